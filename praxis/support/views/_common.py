"""Shared by the support views: the page of a list, the files of a request, a file download."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import FileResponse

PER_PAGE = 25


def page_of(queryset, request):
    """One page: a COUNT, the page's ids read off the ordering index alone, then those rows with their
    related rows (`select_related` of `queryset`) — three queries whatever the number of tickets. Read in
    one query, the joins make SQLite sort every matching ticket before it takes the first 25. An absurd
    page number is the last page."""
    page = Paginator(queryset.select_related(None).values_list("pk", flat=True), PER_PAGE).get_page(
        request.GET.get("page"))
    ids = list(page.object_list)
    rows = {row.pk: row for row in queryset.filter(pk__in=ids)} if ids else {}
    page.object_list = [rows[pk] for pk in ids if pk in rows]
    return page


def files_of(request) -> list:
    return request.FILES.getlist("attachments")


def download(attachment) -> FileResponse:
    """The file as an attachment under its uploaded name, with the type its content was checked to be."""
    response = FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name,
                            content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
