//! Small pieces shared by forms.

use crate::error::AppError;
use leptos::prelude::*;

/// Text for the inside of a raw-text element (`<textarea>`, `<title>`): tachys and leptos_meta
/// write those unescaped, so on the server `&`, `<` and `>` become character references (the
/// browser turns them back into the exact text); in the browser, where the text is set as a DOM
/// value and never parsed as HTML, it stays as it is. Every such sink goes through here.
pub fn raw_text_content(text: &str) -> String {
    #[cfg(feature = "ssr")]
    {
        let mut escaped = String::with_capacity(text.len());
        for c in text.chars() {
            match c {
                '&' => escaped.push_str("&amp;"),
                '<' => escaped.push_str("&lt;"),
                '>' => escaped.push_str("&gt;"),
                c => escaped.push(c),
            }
        }
        escaped
    }
    #[cfg(not(feature = "ssr"))]
    {
        text.to_string()
    }
}

/// A `<textarea>` holding `value`, escaped at the sink (see [`raw_text_content`]); its attributes
/// come from the caller (`attr:id`, `attr:name`, …). On the server a newline goes first: the HTML
/// parser drops one newline after `<textarea>`, so a value that starts with one keeps it.
#[component]
pub fn TextArea(#[prop(into, optional)] value: String) -> impl IntoView {
    let content = if cfg!(feature = "ssr") {
        format!("\n{}", raw_text_content(&value))
    } else {
        value
    };
    view! { <textarea>{content}</textarea> }
}

/// A submit button's click handler that asks first and stops the submission unless confirmed. A
/// handler in the wasm bundle rather than an inline `onsubmit`, which the Content-Security-Policy
/// refuses (inline scripts run only with the response's nonce).
pub fn confirm_first(question: String) -> impl Fn(leptos::ev::MouseEvent) + Clone + 'static {
    move |event: leptos::ev::MouseEvent| {
        if !window().confirm_with_message(&question).unwrap_or(false) {
            event.prevent_default();
        }
    }
}

/// The latest error of an action, if its last run failed.
pub fn action_error<I, O>(action: ServerAction<I>) -> Signal<Option<AppError>>
where
    I: leptos::server_fn::ServerFn<Output = O, Error = AppError> + Clone + Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
{
    Signal::derive(move || action.value().get().and_then(Result::err))
}

/// A form field's error message, announced to screen readers.
#[component]
pub fn FieldMessage(error: Signal<Option<AppError>>, field: &'static str) -> impl IntoView {
    move || {
        error.get().and_then(|e| e.field(field)).map(|message| {
            view! {
                <p class="field-error" id=format!("{field}-error") role="alert">
                    {message}
                </p>
            }
        })
    }
}

/// The form-wide message of an action's latest error. With `fields`, the form shows only
/// those fields' messages beside them, and this says the others' (see [`AppError::banner_beside`]).
#[component]
pub fn FormMessage(
    error: Signal<Option<AppError>>,
    #[prop(optional)] fields: Option<&'static [&'static str]>,
) -> impl IntoView {
    move || {
        error
            .get()
            .and_then(|e| match fields {
                Some(fields) => e.banner_beside(fields),
                None => e.banner(),
            })
            .map(|message| {
                view! {
                    <p class="form-error" role="alert">
                        {message}
                    </p>
                }
            })
    }
}

/// Counts an action's successful runs: a key for resources that must refresh after a change
/// but not after a refusal, which would re-render (and empty) the form showing the error.
pub fn successes<I, O>(action: ServerAction<I>) -> Memo<usize>
where
    I: leptos::server_fn::ServerFn<Output = O, Error = AppError> + Clone + Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
{
    Memo::new(move |previous: Option<&usize>| {
        let count = previous.copied().unwrap_or(0);
        match action.value().get() {
            Some(Ok(_)) => action.version().get().max(count + 1),
            _ => count,
        }
    })
}

/// A moment (RFC 3339) in the browser's time zone once the page has hydrated; until then, and
/// without JavaScript, in UTC and labelled so.
#[component]
pub fn LocalTime(#[prop(into)] at: String) -> impl IntoView {
    let shown = RwSignal::new(time_label::utc(&at));
    let zone = RwSignal::new("UTC".to_string());
    #[cfg(feature = "hydrate")]
    {
        let at = at.clone();
        Effect::new(move |_| {
            if let Some((local, offset)) = time_label::local(&at) {
                shown.set(local);
                zone.set(format!("Your time zone (UTC{offset})"));
            }
        });
    }
    view! { <time datetime=at title=zone>{shown}</time> }
}

mod time_label {
    use time::OffsetDateTime;
    use time::format_description::well_known::Rfc3339;
    use time::macros::format_description;

    const SHOWN: &[time::format_description::BorrowedFormatItem<'static>] =
        format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");

    pub fn utc(at: &str) -> String {
        OffsetDateTime::parse(at, &Rfc3339)
            .ok()
            .and_then(|t| t.to_offset(time::UtcOffset::UTC).format(SHOWN).ok())
            .map_or_else(|| at.to_string(), |t| format!("{t} UTC"))
    }

    /// The moment in the browser's offset from UTC at that moment, and the offset (`+05:30`).
    #[cfg(feature = "hydrate")]
    pub fn local(at: &str) -> Option<(String, String)> {
        use leptos::wasm_bindgen::JsValue;
        use leptos::web_sys::js_sys::Date;
        let moment = OffsetDateTime::parse(at, &Rfc3339).ok()?;
        // JavaScript gives UTC minus local time, in minutes.
        let behind = Date::new(&JsValue::from_str(at)).get_timezone_offset();
        let offset = time::UtcOffset::from_whole_seconds(-(behind * 60.0) as i32).ok()?;
        let sign = format_description!("[offset_hour sign:mandatory]:[offset_minute]");
        Some((
            moment.to_offset(offset).format(SHOWN).ok()?,
            offset.format(sign).ok()?,
        ))
    }
}
