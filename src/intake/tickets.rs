//! Ticket intake over HTTP: `GET/POST /support` (a plain HTML form that works without JavaScript,
//! prefilled from the query string so the app's in-portal support page can link to it) and
//! `POST /api/tickets` (JSON, bearer token). Every field validated and bounded, output escaped,
//! requests rate-limited per client.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};

use axum::extract::{Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::gate::{Access, ClientIp, body_limit};
use super::server::Intake;
use crate::services::tickets::{Invalid, TicketForm, validate};

/// The address the gate resolved for this request.
fn client_ip(req: &Request) -> IpAddr {
    req.extensions().get::<ClientIp>().map(|c| c.0).unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>{t}</title><style>body{{font:16px system-ui,sans-serif;max-width:40em;margin:2em auto;padding:0 1em}}\
         label{{display:block;margin-top:1em}}input,textarea,select{{width:100%;font:inherit}}.err{{color:#b00}}</style></head>\
         <body><h1>{t}</h1>{body}</body></html>",
        t = escape(title)
    );
    (status, [(header::CACHE_CONTROL, "no-store"), (header::X_CONTENT_TYPE_OPTIONS, "nosniff")], Html(html))
        .into_response()
}

fn form_html(f: &TicketForm, errors: &[(String, String)]) -> String {
    let err = |field: &str| {
        errors
            .iter()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| format!("<span class=\"err\"> — {}</span>", escape(m)))
            .collect::<String>()
    };
    let opt = |p: &str| {
        let sel = if f.priority.eq_ignore_ascii_case(p) || (f.priority.is_empty() && p == "normal") {
            " selected"
        } else {
            ""
        };
        format!("<option value=\"{p}\"{sel}>{p}</option>")
    };
    format!(
        "<form method=\"post\" action=\"/support\">\
         <label>Portal ID (member_id){}<input name=\"member_id\" value=\"{}\" maxlength=\"64\"></label>\
         <label>Bitrix24 address{}<input name=\"domain\" value=\"{}\" maxlength=\"253\" placeholder=\"yourcompany.bitrix24.com\"></label>\
         <label>Your name{}<input name=\"name\" value=\"{}\" maxlength=\"200\"></label>\
         <label>Email{}<input name=\"email\" type=\"email\" value=\"{}\" maxlength=\"254\"></label>\
         <label>How bad is it?{}<select name=\"priority\">{}{}{}{}</select></label>\
         <label>Subject{}<input name=\"subject\" value=\"{}\" maxlength=\"200\" required></label>\
         <label>What happened?{}<textarea name=\"body\" rows=\"10\" required>{}</textarea></label>\
         <p><button type=\"submit\">Send</button></p></form>",
        err("member_id"),
        escape(&f.member_id),
        err("domain"),
        escape(&f.domain),
        err("name"),
        escape(&f.name),
        err("email"),
        escape(&f.email),
        err("priority"),
        opt("low"),
        opt("normal"),
        opt("high"),
        opt("critical"),
        err("subject"),
        escape(&f.subject),
        err("body"),
        escape(&f.body),
    )
}

/// `GET /support?member_id=&domain=`: the form, prefilled.
pub async fn support_form(Query(q): Query<HashMap<String, String>>) -> Response {
    let pick = |k: &str, max: usize| q.get(k).map(|v| v.chars().take(max).collect()).unwrap_or_default();
    let f = TicketForm { member_id: pick("member_id", 64), domain: pick("domain", 253), ..TicketForm::default() };
    page(StatusCode::OK, "Contact support", &form_html(&f, &[]))
}

async fn body_of(req: Request, limit: usize) -> Result<(bool, Vec<u8>), Response> {
    let json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.trim_start().starts_with("application/json"));
    match axum::body::to_bytes(req.into_body(), limit).await {
        Ok(b) => Ok((json, b.to_vec())),
        // The gate turns this into the JSON answer every route gives.
        Err(_) => Err(StatusCode::PAYLOAD_TOO_LARGE.into_response()),
    }
}

/// `POST /support`: a form submission.
pub async fn support_submit(State(i): State<Intake>, req: Request) -> Response {
    if !i.limiter.admit(client_ip(&req)) {
        return page(StatusCode::TOO_MANY_REQUESTS, "Too many requests", "<p>Please wait a minute and send again.</p>");
    }
    if i.read_only {
        return page(
            StatusCode::FORBIDDEN,
            "Not accepting tickets",
            "<p>This support desk is read-only right now.</p>",
        );
    }
    let (_, body) = match body_of(req, body_limit(&i, Access::Form)).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let f: TicketForm = match serde_urlencoded::from_bytes(&body) {
        Ok(f) => f,
        Err(e) => {
            return page(
                StatusCode::BAD_REQUEST,
                "Could not read the form",
                &format!("<p>{}</p>", escape(&e.to_string())),
            );
        }
    };
    match validate(&i.store, "form", &f).await {
        Err(e) => {
            tracing::error!(error = %e, "support form: database");
            page(StatusCode::SERVICE_UNAVAILABLE, "Please try again", "<p>We could not save your request just now.</p>")
        }
        Ok(Err(Invalid(errors))) => page(StatusCode::BAD_REQUEST, "Contact support", &form_html(&f, &errors)),
        Ok(Ok(t)) => match i.store.create_ticket(&t, i.clock.now()).await {
            Ok(id) => {
                tracing::info!(id, channel = "form", "ticket created");
                // Promise only what happens: a reply is mailed to the address given, if any.
                let answer = match &t.requester_email {
                    Some(e) => format!("Our answer will be sent to <b>{}</b>.", escape(e)),
                    None => format!("You left no email address: quote <b>#{id}</b> when you write to us."),
                };
                page(StatusCode::CREATED, "Thank you", &format!("<p>Your request is ticket <b>#{id}</b>. {answer}</p>"))
            }
            Err(e) => {
                tracing::error!(error = %e, "support form: database");
                page(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Please try again",
                    "<p>We could not save your request just now.</p>",
                )
            }
        },
    }
}

fn json(status: StatusCode, v: serde_json::Value) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], v.to_string()).into_response()
}

/// `POST /api/tickets`: JSON `{subject, body, name, email, member_id, domain, priority}`. The gate
/// has checked the token (and paces wrong ones); an authenticated caller (the app's own backend
/// forwarding a burst) is not paced, so no valid ticket is turned away.
pub async fn api_create(State(i): State<Intake>, req: Request) -> Response {
    if i.read_only {
        return json(
            StatusCode::FORBIDDEN,
            serde_json::json!({"error": "b24ops is in read-only mode: nothing is written"}),
        );
    }
    let (is_json, body) = match body_of(req, body_limit(&i, Access::Bearer)).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    if !is_json {
        return json(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            serde_json::json!({"error": "send Content-Type: application/json"}),
        );
    }
    let f: TicketForm = match serde_json::from_slice(&body) {
        Ok(f) => f,
        Err(e) => return json(StatusCode::BAD_REQUEST, serde_json::json!({"error": format!("not a ticket: {e}")})),
    };
    match validate(&i.store, "api", &f).await {
        Err(e) => {
            tracing::error!(error = %e, "api/tickets: database");
            json(StatusCode::SERVICE_UNAVAILABLE, serde_json::json!({"error": "the database is unavailable; retry"}))
        }
        Ok(Err(Invalid(errors))) => json(
            StatusCode::BAD_REQUEST,
            serde_json::json!({"error": "invalid ticket", "fields": errors.iter().map(|(f, m)| serde_json::json!({"field": f, "message": m})).collect::<Vec<_>>()}),
        ),
        Ok(Ok(t)) => match i.store.create_ticket(&t, i.clock.now()).await {
            Ok(id) => {
                tracing::info!(id, channel = "api", "ticket created");
                json(
                    StatusCode::CREATED,
                    serde_json::json!({"id": id, "member_id": t.member_id, "attached": t.member_id.is_some()}),
                )
            }
            Err(e) => {
                tracing::error!(error = %e, "api/tickets: database");
                json(
                    StatusCode::SERVICE_UNAVAILABLE,
                    serde_json::json!({"error": "the database is unavailable; retry"}),
                )
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_markup_and_controls() {
        assert_eq!(escape("<script>\"x\"&'\u{1b}[2J"), "&lt;script&gt;&quot;x&quot;&amp;&#39;\u{FFFD}[2J");
    }
}
