// What a text costs, updated while typing: each textarea with data-length names the element
// that says "N characters, GSM-7, 1 SMS". The count is the box's own (POST
// /api/messaging/length, the way the modem will send it), so the page never disagrees with
// what is sent. Without JavaScript the page shows the count made when it was loaded.
"use strict";

(() => {
  const data = document.getElementById("sms-length-words");
  const token = document.querySelector('meta[name="csrf-token"]');
  if (!data || !token || !window.fetch) {
    return;
  }
  const {url, words} = JSON.parse(data.textContent);
  const WAIT_MS = 250;   // after the last key press, so a fast typist sends one request

  function describe(length) {
    return words[length.characters === 1 ? "one" : "other"][length.encoding]
      .replace("%(characters)s", String(length.characters))
      .replace("%(parts)s", String(length.parts));
  }

  document.querySelectorAll("textarea[data-length]").forEach((area) => {
    const output = document.getElementById(area.dataset.length);
    if (!output) {
      return;
    }
    let timer = null;
    let asked = 0;

    async function count() {
      const mine = ++asked;
      let reply;
      try {
        reply = await fetch(url, {
          method: "POST",
          credentials: "same-origin",
          headers: {"Content-Type": "application/json", "X-CSRF-Token": token.content},
          // a template is counted as it goes out, its placeholders filled in
          body: JSON.stringify({text: area.value, template: area.dataset.template || null,
                                language: area.lang || null}),
        });
      } catch (error) {
        return;            // offline for a moment: the last count stays
      }
      if (mine !== asked || !reply.ok) {
        return;            // a newer count is on its way, or too long: saving says so
      }
      const answer = await reply.json();
      output.textContent = describe(answer);
      output.classList.toggle("ucs2", answer.encoding === "UCS-2");
    }

    area.addEventListener("input", () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(count, WAIT_MS);
    });
  });
})();
