/* The header menu on small screens (issue 6 point 15). A static file, not an inline script, so a
   Content-Security-Policy without 'unsafe-inline' keeps working. Without JavaScript the menu simply
   stays open; with it, a real <button> (keyboard and screen-reader friendly) folds it away below 40rem.
   Escape closes it and returns the focus to the button. */
(function () {
  "use strict";
  var button = document.querySelector(".menu-toggle");
  var menu = button && document.getElementById(button.getAttribute("aria-controls"));
  if (!menu) { return; }
  document.documentElement.classList.add("has-menu-toggle");
  button.hidden = false;

  function setOpen(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
  }

  button.addEventListener("click", function () {
    setOpen(button.getAttribute("aria-expanded") !== "true");
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
      setOpen(false);
      button.focus();
    }
  });
})();
