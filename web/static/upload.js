// Upload with a progress bar: the same form sent to the same address asking for JSON, so a
// large file shows how far it got. Without JavaScript the form posts to the page and works the same, only without
// the bar. Errors come back as JSON fields and are shown beside the form's own fields.
"use strict";

(() => {
  const form = document.getElementById("upload");
  if (!form || !window.XMLHttpRequest || !window.FormData) {
    return;
  }
  const bar = document.getElementById("upload-progress");
  const status = document.getElementById("upload-status");

  function clearErrors() {
    form.querySelectorAll(".field-error.from-js").forEach((node) => node.remove());
    form.querySelectorAll("[aria-invalid]").forEach((node) => node.removeAttribute("aria-invalid"));
  }

  function showErrors(fields, fallback) {
    let shown = false;
    for (const [name, message] of Object.entries(fields || {})) {
      const input = form.elements[name];
      if (!input) {
        continue;
      }
      const note = document.createElement("span");
      note.className = "field-error from-js";
      note.id = `err-${name}`;
      note.textContent = message;
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", note.id);
      input.after(note);
      shown = true;
    }
    status.textContent = shown ? "" : fallback;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearErrors();
    const request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.setRequestHeader("Accept", "application/json");
    request.upload.addEventListener("progress", (progress) => {
      if (progress.lengthComputable) {
        bar.value = Math.round((100 * progress.loaded) / progress.total);
      }
    });
    request.addEventListener("load", () => {
      bar.hidden = true;
      if (request.status === 201) {
        window.location.reload();
        return;
      }
      let reply = {};
      try {
        reply = JSON.parse(request.responseText);
      } catch (error) {
        reply = {error: request.statusText};
      }
      showErrors(reply.fields, reply.error || request.statusText);
    });
    request.addEventListener("error", () => {
      bar.hidden = true;
      status.textContent = form.dataset.failed || "The upload failed: check the connection.";
    });
    bar.hidden = false;
    bar.value = 0;
    request.send(new FormData(form));
  });
})();
