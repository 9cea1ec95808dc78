// 事例検討シート drafts. Progressive enhancement only: the sheet saves without this file.
// While typing, the sheet's text is kept in this tab's sessionStorage (gone when the tab closes;
// not localStorage, since the computer may be shared), with the account and the saved version it was
// typed on. When the save does not go through (the session had ended, so the post went to the login
// page), the text is put back the next time this tab opens the case page. A successful save changes
// the version, which discards the draft; so does another account opening the page in this tab, and
// signing out (app.js).
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-draft-key]");
  if (!form) return;
  let storage;
  try {
    storage = window.sessionStorage;
    storage.getItem("");
  } catch {
    return;  // storage blocked: no drafts
  }
  const key = "elearn-draft:" + form.dataset.draftKey;
  const { draftOwner: owner, draftVersion: version } = form.dataset;
  const fields = Array.from(form.querySelectorAll("textarea[name]"));

  let draft = null;
  try {
    draft = JSON.parse(storage.getItem(key));
  } catch {
    // unreadable: treated as none and overwritten by the next keystroke
  }
  const kept = (field) => (typeof draft.fields?.[field.name] === "string" ? draft.fields[field.name] : field.value);
  if (draft && (draft.owner !== owner || draft.version !== version)) {
    storage.removeItem(key);  // saved since the draft was typed, or someone else's
  } else if (draft && fields.some((field) => kept(field) !== field.value)) {
    for (const field of fields) field.value = kept(field);
    const note = document.createElement("p");
    note.className = "flash";
    note.setAttribute("role", "status");
    note.tabIndex = -1;
    note.textContent = "保存されていない下書きを復元しました。内容を確認して保存してください。";
    form.prepend(note);
    note.focus();
  }

  form.addEventListener("input", () => {
    const values = Object.fromEntries(fields.map((field) => [field.name, field.value]));
    try {
      storage.setItem(key, JSON.stringify({ owner, version, fields: values }));
    } catch {
      // storage full: the form still posts
    }
  });
});
