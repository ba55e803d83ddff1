// flickrsync review: sends each change to the server (POST, with the page's token) and shows
// the progress of Apply. No framework, no build step; the page works from the server's HTML.
(() => {
  "use strict";
  const token = document.querySelector('meta[name="review-token"]').content;
  const box = document.getElementById("progress");
  const message = document.getElementById("message");

  async function post(path, body) {
    let response;
    try {
      response = await fetch(path, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Review-Token": token },
        body: JSON.stringify(body || {}),
        credentials: "same-origin",
        cache: "no-store",
      });
    } catch (error) {
      return { ok: false, error: "the review has stopped (" + error.message + ")" };
    }
    try {
      return await response.json();
    } catch (error) {
      return { ok: false, error: "HTTP " + response.status };
    }
  }

  function show(holder, data) {
    const status = holder.querySelector(".status");
    if (!status) return;
    status.textContent = data.ok ? data.status : data.error;
    status.classList.toggle("error", !data.ok);
  }

  async function edit(holder, field, value) {
    const data = await post("/edit", { kind: holder.dataset.kind, id: holder.dataset.id, field, value });
    show(holder, data);
    holder.classList.toggle("edited", data.ok);
    return data;
  }

  document.addEventListener("change", async (event) => {
    const input = event.target.closest("[data-field]");
    if (!input) return;
    const holder = input.closest("[data-kind]");
    const value = input.type === "checkbox" ? input.checked : input.value;
    const data = await edit(holder, input.dataset.field, value);
    if (data.ok && input.dataset.field === "include") holder.classList.toggle("left-out", !input.checked);
    if (!data.ok && input.type === "checkbox") input.checked = !input.checked;
  });

  document.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-value]");
    if (!button) return;
    const holder = button.closest("[data-kind]");
    if (holder.dataset.kind === "pair") {
      const value = button.getAttribute("aria-pressed") === "true" ? "" : button.dataset.value;
      const data = await edit(holder, "choice", value);
      if (!data.ok) return;
      if (value === "same") {
        // One photo is one picture: the page forgets another "same" for this photo.
        const photo = holder.dataset.id.split(" ")[0];
        document.querySelectorAll('[data-kind="pair"]').forEach((other) => {
          if (other !== holder && other.dataset.id.split(" ")[0] === photo) {
            const same = other.querySelector('button[data-value="same"]');
            if (same.getAttribute("aria-pressed") === "true") {
              same.setAttribute("aria-pressed", "false");
              other.querySelector(".status").textContent = "";
            }
          }
        });
      }
      holder.querySelectorAll("button[data-value]").forEach((b) => {
        b.setAttribute("aria-pressed", String(b.dataset.value === value));
      });
    } else {
      const include = button.dataset.value === "true";
      const data = await edit(holder, "include", include);
      if (!data.ok) return;
      holder.closest("section").querySelectorAll('.card input[data-field="include"]').forEach((input) => {
        input.checked = include;
        input.closest(".card").classList.toggle("left-out", !include);
      });
    }
  });

  function busy(running) {
    document.body.classList.toggle("busy", running);
    document.querySelectorAll("#apply, #save, #done, #replan").forEach((b) => { b.disabled = running; });
  }

  async function poll() {
    let data;
    try {
      const response = await fetch("/progress?token=" + encodeURIComponent(token), { cache: "no-store" });
      data = await response.json();
    } catch (error) {
      message.textContent = "the review has stopped";
      return;
    }
    box.innerHTML = data.html;
    busy(data.running);
    if (data.running) {
      setTimeout(poll, 300);
    } else if (data.kind === "plan") {
      location.reload();
    } else {
      applied(data.kind === "apply");
    }
  }

  // Once applied, the plan is out of date: plan again (the outcome's button) before more.
  function applied(yes) {
    document.body.classList.toggle("applied", yes);
    document.getElementById("apply").disabled = yes;
  }

  async function start(path) {
    message.textContent = "";
    busy(true);
    const data = await post(path);
    if (!data.ok) {
      busy(false);
      message.textContent = data.error;
      return;
    }
    poll();
  }

  document.getElementById("apply").addEventListener("click", () => start("/apply"));
  box.addEventListener("click", (event) => {
    if (event.target.id === "replan") start("/replan");
  });
  document.getElementById("save").addEventListener("click", async () => {
    const data = await post("/save");
    message.textContent = data.ok ? data.status : data.error;
  });
  document.getElementById("done").addEventListener("click", async () => {
    const data = await post("/done");
    if (!data.ok) {
      message.textContent = data.error;
      return;
    }
    const main = document.createElement("main");
    const text = document.createElement("p");
    text.className = "finished";
    text.textContent = "The review is finished: you may close this page.";
    main.appendChild(text);
    document.body.replaceChildren(main);
  });

  const state = box.querySelector("[data-state]");
  if (state && state.dataset.state === "running") {
    busy(true);
    poll();
  } else if (state) {
    applied(true);
  }
})();
