// Small behaviours of the pages, kept out of the HTML: the Content-Security-Policy (portal.security) runs no
// inline script and no on* attributes.

// A button with data-confirm="question" submits only once the user says yes. With data-confirm-if="selector" it asks
// only while that selector matches (Save on a user asks only when it deactivates them).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-confirm]");
  if (!button || (button.dataset.confirmIf && !document.querySelector(button.dataset.confirmIf))) {
    return;
  }
  if (!window.confirm(button.dataset.confirm)) {
    event.preventDefault();
  }
});

// On phones a table's rows are cards (app.css) and each cell shows its column's header as a caption: copy the
// header's text into the cell's data-label, here rather than in every template. Runs again on htmx swaps.
function labelTableCells(root) {
  const enclosing = root.closest && root.closest("table.table");  // htmx may swap in a single row
  for (const table of enclosing ? [enclosing] : root.querySelectorAll("table.table")) {
    const headerRow = table.tHead && table.tHead.rows[0];
    const labels = headerRow ? [...headerRow.cells].map((th) => th.textContent.replace(/[▲▼]/g, "").trim()) : [];
    for (const body of table.tBodies) {
      for (const row of body.rows) {
        let column = 0;
        for (const cell of row.cells) {
          if (!cell.hasAttribute("data-label") && labels[column]) {
            cell.dataset.label = labels[column];
          }
          // A cell with nothing in it (no text, no control) would be a caption alone on a card: drop it there.
          const blank = !cell.textContent.trim() && !cell.querySelector("input, select, button, img, svg");
          cell.toggleAttribute("data-blank", blank);
          column += cell.colSpan;
        }
      }
    }
  }
}
document.addEventListener("DOMContentLoaded", () => labelTableCells(document));
document.addEventListener("htmx:load", (event) => labelTableCells(event.target));

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
