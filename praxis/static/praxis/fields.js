/* Drag and drop on the "Client fields" settings page (R-CLI-2), as an enhancement only: the Up / Down
   buttons do the same without JavaScript (and stay the keyboard way). Dropping a field row posts its new
   position — and its section, when dropped into another one — to the row's move URL through htmx, which
   swaps the page's panel with the order as saved. No build step, no dependency but htmx. */
(function () {
  "use strict";

  var dragged = null;

  function rowsOf(list) {
    return Array.prototype.filter.call(list.children, function (el) { return el.classList.contains("field-row"); });
  }

  function rowAfter(list, y) {
    var rows = rowsOf(list).filter(function (row) { return row !== dragged; });
    for (var i = 0; i < rows.length; i++) {
      var box = rows[i].getBoundingClientRect();
      if (y < box.top + box.height / 2) { return rows[i]; }
    }
    return null;
  }

  function setUp(root) {
    var lists = (root.querySelectorAll ? root : document).querySelectorAll("ol[data-sortable]");
    Array.prototype.forEach.call(lists, function (list) {
      if (list.dataset.sortableReady) { return; }
      list.dataset.sortableReady = "1";
      rowsOf(list).forEach(function (row) {
        if (!row.dataset.moveUrl || row.querySelector("form.field-definition")) { return; }
        row.setAttribute("draggable", "true");
        row.addEventListener("dragstart", function (event) {
          dragged = row;
          row.classList.add("dragging");
          event.dataTransfer.effectAllowed = "move";
          event.dataTransfer.setData("text/plain", row.id);
        });
        row.addEventListener("dragend", function () {
          row.classList.remove("dragging");
          document.querySelectorAll(".drop-target").forEach(function (el) { el.classList.remove("drop-target"); });
        });
      });
      list.addEventListener("dragover", function (event) {
        if (!dragged) { return; }
        event.preventDefault();
        list.classList.add("drop-target");
        var after = rowAfter(list, event.clientY);
        if (after) { list.insertBefore(dragged, after); } else { list.appendChild(dragged); }
      });
      list.addEventListener("dragleave", function () { list.classList.remove("drop-target"); });
      list.addEventListener("drop", function (event) {
        if (!dragged) { return; }
        event.preventDefault();
        var row = dragged;
        dragged = null;
        var position = rowsOf(list).indexOf(row);
        if (window.htmx) {
          window.htmx.ajax("POST", row.dataset.moveUrl, {
            source: row, target: "#fields-panel", swap: "outerHTML",
            values: { position: String(position), place: list.dataset.place }
          });
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  document.addEventListener("htmx:load", function (event) {
    /* An Edit opened in a row: the row stops being draggable, so text in its inputs can be selected. */
    var row = event.target.closest && event.target.closest(".field-row");
    if (row && row.querySelector("form.field-definition")) { row.removeAttribute("draggable"); }
    setUp(event.target);
  });
})();
