// Deep linking: send the signed choice back to the platform at once (the button does it without JavaScript).
document.querySelectorAll("form[data-autosubmit]").forEach(function (form) { form.submit(); });
