// Salon: optional enhancements. Every page works without this script: forms post as
// plain HTML. With it, the search box asks the static index, a like is sent in the
// background, "copy link" appears, replies open under the comment, and the comment
// form is sent in the background with the answer shown in place.
(function () {
  "use strict";
  document.querySelectorAll(".search-form[data-static]").forEach(function (search) {
    search.action = search.getAttribute("data-static");
  });
  document.querySelectorAll(".copy-link").forEach(function (button) {
    if (!navigator.clipboard) return;
    button.parentNode.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(button.getAttribute("data-url")).then(function () {
        button.textContent = "Link copied";
      });
    });
  });
  var like = document.querySelector(".like-form");
  if (!like || !window.fetch) return;
  var post = like.elements.post.value;
  var tokenUrl = like.action.replace(/\/like$/, "/token") + "?post=" + encodeURIComponent(post);
  fetch(tokenUrl, { credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (d) { if (d && d.token) like.elements.token.value = d.token; })
    .catch(function () {});
  like.addEventListener("submit", function (event) {
    event.preventDefault();
    var count = like.querySelector(".like-count");
    var button = like.querySelector("button");
    button.setAttribute("aria-disabled", "true");
    fetch(like.action, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ post: post, token: like.elements.token.value })
    }).then(function (r) { return r.json(); }).then(function (answer) {
      if (answer.error) { count.textContent = answer.error; return; }
      var n = +count.getAttribute("data-count") + (answer.counted ? 1 : 0);
      count.textContent = (answer.counted ? "Thank you. " : "Already counted today. ") +
        (n === 1 ? "One reader liked this" : n + " readers liked this");
    }).catch(function () { like.submit(); });
  });
})();
(function () {
  "use strict";
  var form = document.querySelector(".comment-form");
  if (!form || !window.fetch || !window.FormData) return;
  var remember = document.getElementById("cf-remember");
  var KEEP = "salon-commenter";
  var FIELDS = ["name", "email", "website"];
  var kept = null;
  try { kept = JSON.parse(localStorage.getItem(KEEP) || "null"); } catch (e) { remember = null; }
  if (remember) {
    remember.closest(".field").hidden = false;
    if (kept) {
      remember.checked = true;
      FIELDS.forEach(function (name) { if (!form.elements[name].value) form.elements[name].value = kept[name] || ""; });
    }
  }
  // Kept only in this browser, only when asked; unticking forgets at once.
  function keep() {
    if (!remember) return;
    try {
      if (!remember.checked) { localStorage.removeItem(KEEP); return; }
      var data = {};
      FIELDS.forEach(function (name) { data[name] = form.elements[name].value; });
      localStorage.setItem(KEEP, JSON.stringify(data));
    } catch (e) {}
  }
  if (remember) remember.addEventListener("change", function () { if (!remember.checked) keep(); });
  var respond = document.getElementById("respond");
  var title = document.getElementById("respond-title");
  var status = form.querySelector(".form-status");
  var parent = form.querySelector("[name=parent]");
  var parentField = parent.closest(".field");
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
    // Under the comment it answers, the form needs no "In reply to" choice.
    if (parentField) parentField.hidden = true;
    cancel.hidden = false;
    opener = link;
    body.focus();
  }
  cancel.addEventListener("click", function () {
    parent.value = "";
    title.textContent = heading;
    home.insertBefore(respond, homeNext);
    if (parentField) parentField.hidden = false;
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
        keep();
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
