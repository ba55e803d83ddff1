"""``flickrsync review``: a page on 127.0.0.1 to see and steer a sync (issue 13).

* :mod:`.session` — the plan as the page edits it, the choices waiting for Apply, the job;
* :mod:`.page` — the HTML (pure), with ``templates/page.html``;
* :mod:`.server` — the HTTP server: loopback only, a secret token on every request, POST for
  every change; the one place of the review's request threads (see its docstring);
* :mod:`.thumbs` — thumbnails made from the files and fetched from Flickr, cached in the home dir;
* ``static/`` — the page's script and style sheet (no build step, nothing from the internet).
"""
