//! The JSON server functions answer in, decoded from text.
//!
//! server_fn's own `Json` decodes an answer with `serde_json::from_slice`, while a resource
//! decodes the value the server rendered it with with `serde_json::from_str`. The two readers
//! make two copies of every such type's deserializer in the wasm bundle; decoding answers (and
//! errors) from text as well lets them share one. The bytes on the wire are the same.

use leptos::server_fn::codec::Post;
use leptos::server_fn::{Bytes, ContentType, Decodes, Encodes, Format, FormatType};
use serde::Serialize;
use serde::de::{DeserializeOwned, Error as _};

/// `output = crate::codec::Json` on a `#[server]` function: JSON in the body of a `POST`'s answer.
pub type Json = Post<JsonText>;

/// JSON, decoded like the resources' hydration data.
pub struct JsonText;

impl ContentType for JsonText {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for JsonText {
    const FORMAT_TYPE: Format = Format::Text;
}

impl<T: Serialize> Encodes<T> for JsonText {
    type Error = serde_json::Error;

    fn encode(output: &T) -> Result<Bytes, Self::Error> {
        serde_json::to_vec(output).map(Bytes::from)
    }
}

impl<T: DeserializeOwned> Decodes<T> for JsonText {
    type Error = serde_json::Error;

    fn decode(bytes: Bytes) -> Result<T, Self::Error> {
        let text = std::str::from_utf8(&bytes).map_err(serde_json::Error::custom)?;
        serde_json::from_str(text)
    }
}
