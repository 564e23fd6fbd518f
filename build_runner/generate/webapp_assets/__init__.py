"""Hand-written files of the offline event web app (index.html, app.css, app.js)."""
