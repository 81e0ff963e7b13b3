// Package ui is Faxbox's web server: HTTPS for the web UI's pages, the
// browser sessions' sign-in endpoints, the administration of users and
// the audit log, and the JSON API mounted under /api/.
//
// It provides Server, which serves:
//
//   - HTTPS on the configured addresses with the installer's certificate,
//     or a self-signed ECDSA certificate generated on first start into the
//     data directory (localhost, the host name and the machine's
//     addresses; made again when missing, damaged or expiring), and plain
//     HTTP on the redirect address answering 301 to the same path over
//     HTTPS. TLS 1.2 is offered with ECDHE and AEAD suites only (RFC 7525
//     section 4.2), TLS 1.3 as Go has it.
//   - The first-run setup's one-time code (package setupcode), made by New
//     while no administrator exists and kept in the data directory; the
//     daemon shows it to the installer (SetupCode).
//   - The pages embedded from web/ (GET / is web/index.html, other files
//     by path), without directory listings. Paths with "." or ".."
//     segments, empty segments, backslashes, NUL or encoded slashes are
//     refused with 400 before routing.
//   - Security headers on every answer: a Content-Security-Policy without
//     inline script and with frame-ancestors 'none', X-Content-Type-Options,
//     Referrer-Policy, X-Frame-Options; Strict-Transport-Security with the
//     installer's certificate only. Request bodies are bounded (413).
//     Cross-origin state-changing requests are refused (403). A
//     state-changing request with a session cookie needs the session's
//     X-CSRF-Token header (403 otherwise); one with "Authorization: Bearer"
//     (a script) does not. While a user must change the password, the API
//     and /metrics allow only that.
//
// Endpoints (JSON; errors are {"error": "..."}):
//
//	GET   /auth/state               {"setup_needed": bool}
//	POST  /auth/setup               {"name","display_name","email","password","setup_code"}: the first administrator; 201 {"user","csrf"} + cookie;
//	                                403 wrong or missing code; 429 too many wrong codes (Retry-After); 409 once done
//	POST  /auth/login               {"name","password"}: 200 {"user","csrf"} + cookie; 401 wrong; 429 throttled (Retry-After, "retry_after")
//	POST  /auth/logout              204
//	GET   /auth/me                  {"user","csrf"} or 401
//	GET   /api/users                administrators: {"users": [U...]}
//	POST  /api/users                administrators: {"name","display_name","email","password","admin"}: 201 {"user": U}; 400 for a reserved name;
//	                                the password is to be changed at the first login (as after POST /api/users/{id}/password)
//	GET   /api/users/{id}           administrators: {"user": U}
//	PATCH /api/users/{id}           administrators: {"email"?, "admin"?, "disabled"?}: {"user": U}
//	POST  /api/users/{id}/password  administrators: {"password"}: 204
//	GET   /api/audit                administrators: ?before=ID&limit=N: {"entries": [{"id","at","actor","action","detail"}]}
//	POST  /api/me/password          everyone: {"old","new"}: 204; 403 wrong old password; 429 throttled as logins are
//
// where U is {"id","name","display_name","email","admin","disabled","must_change_password","created"}:
// name is the login name, display_name the name people read ("" if none).
// Every other /api/ path, and GET /metrics, goes to the JSON API handler.
// Staff get 403 from the administration endpoints.
//
// The package does not implement the JSON API (package api), keep
// accounts or sessions (package users), or contain the pages' code (the
// files in web/, written without a build step).
package ui
