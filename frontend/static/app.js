// Progressive enhancement only: every page works without this file.
// A submitted form's buttons are disabled so a double click sends one request (the server
// would make a second one harmless anyway, through the Idempotency-Key and the ETag).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  if (form.dataset.submitted === "true") { event.preventDefault(); return; }
  form.dataset.submitted = "true";
  form.setAttribute("aria-busy", "true");
  var buttons = form.querySelectorAll("button[type=submit]");
  for (var i = 0; i < buttons.length; i++) buttons[i].disabled = true;
});
