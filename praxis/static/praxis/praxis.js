/* The site's behaviour, in one static file (no inline scripts: a Content-Security-Policy without
   'unsafe-inline' keeps working, issue 6 point 15). Every part is an enhancement: without JavaScript
   the menu stays open, forms post normally and confirmations are full pages. */
(function () {
  "use strict";

  /* The header menu on small screens. A real <button> (keyboard and screen-reader friendly) folds it
     away below 40rem; Escape closes it and returns the focus to the button. */
  var button = document.querySelector(".menu-toggle");
  var menu = button && document.getElementById(button.getAttribute("aria-controls"));
  if (menu) {
    document.documentElement.classList.add("has-menu-toggle");
    button.hidden = false;
    var setOpen = function (open) { button.setAttribute("aria-expanded", open ? "true" : "false"); };
    button.addEventListener("click", function () {
      setOpen(button.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        setOpen(false);
        button.focus();
      }
    });
  }

  /* htmx puts a confirmation <dialog> in #dialog-slot; open it as a modal (focus trapped, Esc closes). */
  document.addEventListener("htmx:afterSwap", function (event) {
    var dialog = event.detail.target.querySelector && event.detail.target.querySelector("dialog");
    if (dialog && !dialog.open) { dialog.showModal(); }
  });

  /* A dialog's Cancel button (type="button": no request) closes its dialog. */
  document.addEventListener("click", function (event) {
    var closer = event.target.closest && event.target.closest("[data-close-dialog]");
    var dialog = closer && closer.closest("dialog");
    if (dialog) { dialog.close(); }
  });

  /* The relationship dialog (R-CLI-4): of its four ways to name the other end, show only the chosen one.
     Without JavaScript every part stays visible and the chosen radio decides. */
  function showChosenTarget(form) {
    var checked = form.querySelector("input[name=target]:checked");
    form.querySelectorAll("[data-link-target]").forEach(function (part) {
      part.hidden = !!checked && part.getAttribute("data-link-target") !== checked.value;
    });
  }
  function setUpTargets(root) {
    (root.querySelectorAll ? root : document).querySelectorAll("form[data-link-targets]").forEach(function (form) {
      showChosenTarget(form);
      form.addEventListener("change", function (event) {
        if (event.target.name === "target") { showChosenTarget(form); }
      });
    });
  }
  setUpTargets(document);
  document.addEventListener("htmx:load", function (event) { setUpTargets(event.detail.elt); });

  /* An htmx request answered with one of the site's error pages (403, 404, a refused CSRF check, 500):
     htmx would silently swap nothing; show the page's content in place of this page's instead. */
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    var main = document.getElementById("main");
    if (main && xhr.status >= 400 && /<main[\s>]/.test(xhr.responseText || "")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
      event.detail.target = main;
      event.detail.selectOverride = "#main";
      event.detail.swapOverride = "outerHTML";
    }
  });

  /* Invitations (R-BIL-7): paying for the seat is the usual choice for a paid account type; keep the box
     in step with the account type unless the person changed the box themselves. */
  document.querySelectorAll("form[data-pay-follows-type]").forEach(function (form) {
    var type = form.elements.account_type;
    var pay = form.elements.pay_for_user;
    if (!type || !pay) { return; }
    var touched = false;
    pay.addEventListener("change", function () { touched = true; });
    type.addEventListener("change", function () {
      if (!touched) { pay.checked = type.value === "essentials" || type.value === "pro"; }
    });
  });

  /* Operator console (R-SUP-5): a canned reply fills the reply box, where it can still be edited. */
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-fill]");
    if (!button) { return; }
    var box = document.querySelector(button.getAttribute("data-fill"));
    if (!box) { return; }
    box.value = button.getAttribute("data-text");
    box.focus();
  });
})();
