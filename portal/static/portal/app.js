// Small behaviours of the pages, kept out of the HTML: the Content-Security-Policy (portal.security) runs no
// inline script and no on* attributes.

// A button with data-confirm="question" submits only once the user says yes.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) {
    event.preventDefault();
  }
});

// A button with data-copy="#selector" copies that element's text (the install steps on the site page).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  const source = button && document.querySelector(button.dataset.copy);
  if (source && navigator.clipboard) {
    navigator.clipboard.writeText(source.textContent).then(() => {
      button.textContent = "Copied";
    });
  }
});
