"""Clients API: custom fields and sections (R-CLI-2; SPEC §13).

`GET /{ws}/custom-fields` lists the live fields the member may see (sensitive ones need
`clients.sensitive`; with `include_retired`, `workspace.edit` also gets the retired ones);
`POST` defines one, `PATCH /{ws}/custom-fields/{field_id}` changes it, `DELETE` retires it (the values
are kept), `POST …/restore` brings it back, `POST …/move` orders it. `custom-field-sections` likewise.
Every write is `workspace.edit` and goes through `praxis.clients.customfields`.
"""

from ninja import Router

from praxis.api.scoping import workspace_endpoint
from praxis.workspaces.roles import CLIENTS_VIEW, WORKSPACE_EDIT

from .. import customfields, policies, selectors
from ..schemas import (
    CustomFieldIn,
    CustomFieldList,
    CustomFieldOut,
    CustomFieldPatch,
    CustomSectionIn,
    CustomSectionList,
    CustomSectionOut,
    FieldMoveIn,
    SectionMoveIn,
)

router = Router(tags=["custom fields"])


def _retired_allowed(request, include_retired: bool) -> bool:
    if include_retired:
        request.access.require(WORKSPACE_EDIT, code="permission.refused")
    return include_retired


@router.get("/{ws}/custom-fields", response=CustomFieldList)
@workspace_endpoint(CLIENTS_VIEW)
def custom_field_list(request, ws: str, include_retired: bool = False):
    """Fields in order (section by section as stored); sensitive ones only with `clients.sensitive`."""
    access = request.access
    if _retired_allowed(request, include_retired):
        definitions = selectors.all_fields(workspace=access.workspace)
    else:
        definitions = selectors.live_fields(workspace=access.workspace)
    return {"items": policies.visible_custom_fields(access, definitions)}


@router.post("/{ws}/custom-fields", response={201: CustomFieldOut})
@workspace_endpoint(WORKSPACE_EDIT)
def custom_field_create(request, ws: str, payload: CustomFieldIn):
    definition = customfields.field_create(access=request.access, **payload.model_dump())
    return definition


@router.patch("/{ws}/custom-fields/{int:field_id}", response=CustomFieldOut)
@workspace_endpoint(WORKSPACE_EDIT)
def custom_field_update(request, ws: str, field_id: int, payload: CustomFieldPatch):
    return customfields.field_update(access=request.access, field_id=field_id,
                                     **payload.model_dump(exclude_unset=True))


@router.delete("/{ws}/custom-fields/{int:field_id}", response=CustomFieldOut)
@workspace_endpoint(WORKSPACE_EDIT)
def custom_field_retire(request, ws: str, field_id: int):
    """Retire: the field leaves forms and answers; every client's value is kept for a restore."""
    return customfields.field_retire(access=request.access, field_id=field_id)


@router.post("/{ws}/custom-fields/{int:field_id}/restore", response=CustomFieldOut)
@workspace_endpoint(WORKSPACE_EDIT)
def custom_field_restore(request, ws: str, field_id: int):
    return customfields.field_restore(access=request.access, field_id=field_id)


@router.post("/{ws}/custom-fields/{int:field_id}/move", response=CustomFieldOut)
@workspace_endpoint(WORKSPACE_EDIT)
def custom_field_move(request, ws: str, field_id: int, payload: FieldMoveIn):
    return customfields.field_move(access=request.access, field_id=field_id, **payload.model_dump())


@router.get("/{ws}/custom-field-sections", response=CustomSectionList)
@workspace_endpoint(CLIENTS_VIEW)
def custom_section_list(request, ws: str, include_retired: bool = False):
    access = request.access
    if _retired_allowed(request, include_retired):
        return {"items": selectors.all_sections(workspace=access.workspace)}
    return {"items": sorted(selectors.live_sections(workspace=access.workspace), key=lambda s: (s.position, s.pk))}


@router.post("/{ws}/custom-field-sections", response={201: CustomSectionOut})
@workspace_endpoint(WORKSPACE_EDIT)
def custom_section_create(request, ws: str, payload: CustomSectionIn):
    return customfields.section_create(access=request.access, name=payload.name)


@router.patch("/{ws}/custom-field-sections/{int:section_id}", response=CustomSectionOut)
@workspace_endpoint(WORKSPACE_EDIT)
def custom_section_update(request, ws: str, section_id: int, payload: CustomSectionIn):
    return customfields.section_rename(access=request.access, section_id=section_id, name=payload.name)


@router.delete("/{ws}/custom-field-sections/{int:section_id}", response=CustomSectionOut)
@workspace_endpoint(WORKSPACE_EDIT)
def custom_section_retire(request, ws: str, section_id: int):
    """Retire a section: it and its fields leave forms and answers; the values are kept."""
    return customfields.section_retire(access=request.access, section_id=section_id)


@router.post("/{ws}/custom-field-sections/{int:section_id}/restore", response=CustomSectionOut)
@workspace_endpoint(WORKSPACE_EDIT)
def custom_section_restore(request, ws: str, section_id: int):
    return customfields.section_restore(access=request.access, section_id=section_id)


@router.post("/{ws}/custom-field-sections/{int:section_id}/move", response=CustomSectionOut)
@workspace_endpoint(WORKSPACE_EDIT)
def custom_section_move(request, ws: str, section_id: int, payload: SectionMoveIn):
    return customfields.section_move(access=request.access, section_id=section_id, **payload.model_dump())
