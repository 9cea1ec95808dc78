// Board enhancements only: every board page works without this file.
// Shows how many characters remain in fields with a data-maxlength (the server enforces the limit).
document.addEventListener("DOMContentLoaded", () => {
  for (const field of document.querySelectorAll(".board-form [data-maxlength]")) {
    const limit = Number(field.dataset.maxlength);
    const counter = document.createElement("p");
    counter.className = "char-count";
    counter.id = field.id + "-count";
    field.insertAdjacentElement("afterend", counter);
    const described = field.getAttribute("aria-describedby");
    field.setAttribute("aria-describedby", described ? described + " " + counter.id : counter.id);
    const update = () => {
      const left = limit - Array.from(field.value).length;
      counter.textContent = left >= 0 ? `あと${left}文字` : `${-left}文字多すぎます`;
      counter.classList.toggle("char-count--over", left < 0);
    };
    field.addEventListener("input", update);
    update();
  }
});
