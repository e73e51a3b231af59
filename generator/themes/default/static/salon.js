// Salon: optional enhancements. Every page works without this script: the comment form
// posts as plain HTML. With it, replies open under the comment, and the form is sent in
// the background with the answer shown in place.
(function () {
  "use strict";
  var form = document.querySelector(".comment-form");
  if (!form || !window.fetch || !window.FormData) return;
  var respond = document.getElementById("respond");
  var title = document.getElementById("respond-title");
  var status = form.querySelector(".form-status");
  var parent = form.querySelector("[name=parent]");
  var body = form.querySelector("[name=body]");
  var submit = form.querySelector("[type=submit]");
  var home = respond.parentNode;
  var homeNext = respond.nextSibling;
  var heading = title.textContent;
  var opener = null;
  var sending = false;

  // A fresh signed token, so the service can tell a person from a script.
  function fetchToken() {
    var post = form.querySelector("[name=post]").value;
    fetch(form.getAttribute("data-token-url") + "?post=" + encodeURIComponent(post), {
      credentials: "same-origin"
    }).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data && data.token) form.elements.token.value = data.token; })
      .catch(function () {});
  }
  fetchToken();

  var cancel = document.createElement("button");
  cancel.type = "button";
  cancel.className = "cancel-reply";
  cancel.textContent = "Cancel reply";
  cancel.hidden = true;
  submit.after(cancel);

  function replyTo(link) {
    var name = link.getAttribute("data-reply-name");
    parent.value = link.getAttribute("data-reply-to");
    title.textContent = "Reply to " + name;
    link.closest("article").after(respond);
    cancel.hidden = false;
    opener = link;
    body.focus();
  }
  cancel.addEventListener("click", function () {
    parent.value = "";
    title.textContent = heading;
    home.insertBefore(respond, homeNext);
    cancel.hidden = true;
    if (opener) opener.focus();
  });
  document.querySelectorAll(".reply-link").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      replyTo(link);
    });
  });

  // Field errors shown the way the service's own error page shows them.
  function clearErrors() {
    form.querySelectorAll(".field.invalid").forEach(function (field) {
      field.classList.remove("invalid");
      var input = field.querySelector("input, textarea, select");
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
      var note = field.querySelector(".error");
      if (note) note.remove();
    });
  }
  function showErrors(errors) {
    var first = null;
    var messages = [];
    Object.keys(errors).forEach(function (name) {
      messages.push(errors[name]);
      var input = form.elements[name];
      if (!input || !input.closest || !input.closest(".field")) return;
      var note = document.createElement("span");
      note.className = "error";
      note.id = input.id + "-error";
      note.textContent = errors[name];
      input.closest(".field").classList.add("invalid");
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", note.id);
      input.after(note);
      first = first || input;
    });
    say("Your comment was not sent yet: " + messages.join(" "), true);
    if (first) first.focus();
  }
  function done() {
    sending = false;
    submit.removeAttribute("aria-disabled");
  }
  function say(text, problem) {
    status.textContent = text;
    status.classList.toggle("problem", !!problem);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (sending) return;
    var data = {};
    new FormData(form).forEach(function (value, key) { data[key] = value; });
    clearErrors();
    say("Sending…");
    // Not `disabled`: that would take the focus away from the button the reader used.
    sending = true;
    submit.setAttribute("aria-disabled", "true");
    fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(data)
    }).then(function (response) {
      return response.json().then(function (answer) {
        return { ok: response.ok, answer: answer || {} };
      });
    }).then(function (result) {
      done();
      if (result.ok) {
        say("Thank you — your comment is awaiting moderation.");
        body.value = "";
        fetchToken();
      } else if (result.answer.errors) {
        showErrors(result.answer.errors);
      } else {
        say("Your comment was not sent yet: " +
            (result.answer.error || "please try again in a moment."), true);
      }
    }).catch(function () {
      // No JSON answer (the service is elsewhere or down): send the plain form instead.
      done();
      form.submit();
    });
  });
})();
