// Form helpers kept out of the HTML (the Content-Security-Policy runs no inline script). Each works without
// script too: the server ignores fields that do not apply and the time zone is an ordinary select.

// A report schedule shows only the "when" fields of its frequency: a field whose input carries
// data-cadence-only="weekly monthly" is hidden unless the form's [data-cadence-select] has one of those values.
function showCadenceFields(form) {
  const select = form.querySelector("[data-cadence-select]");
  if (!select) {
    return;
  }
  for (const input of form.querySelectorAll("[data-cadence-only]")) {
    const field = input.closest(".field") || input;
    field.hidden = !input.dataset.cadenceOnly.split(" ").includes(select.value);
  }
}
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form").forEach(showCadenceFields);
});
document.addEventListener("change", (event) => {
  if (event.target.matches("[data-cadence-select]")) {
    showCadenceFields(event.target.form);
  }
});

// "Use this browser's time zone": a button with data-browser-zone="#id_time_zone" fills that select with the
// zone the browser reports, and names it on the button. Hidden when the browser's zone is not among the choices.
document.addEventListener("DOMContentLoaded", () => {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  for (const button of document.querySelectorAll("[data-browser-zone]")) {
    const select = document.querySelector(button.dataset.browserZone);
    if (!zone || !select || ![...select.options].some((option) => option.value === zone)) {
      continue;
    }
    button.textContent = `Use this browser's time zone (${zone})`;
    button.hidden = false;
    button.addEventListener("click", () => {
      select.value = zone;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }
});
