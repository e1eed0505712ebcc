"use strict";
// A digest's change page: while an editor drags papers (django-admin-sortable2 moves the rows and
// rewrites their hidden positions), the "#n" on each row follows its place on the page.
window.addEventListener("load", () => {
  const group = document.querySelector(".desk-entries fieldset");
  if (!group) {
    return;
  }
  const renumber = () => {
    group.querySelectorAll(".inline-related.has_original .desk-entry-rank").forEach((label, index) => {
      label.textContent = `#${index + 1}`;
    });
  };
  new MutationObserver(renumber).observe(group, { childList: true });
});
