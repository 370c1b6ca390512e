//! A small real HTTP(S) client for the simulator, trusting its self-signed certificate.

use cms_sim::{Cluster, SimConfig};
use std::time::Duration;

pub struct Reply {
    pub status: u16,
    pub location: Option<String>,
    pub www_authenticate: Option<String>,
    pub body: String,
}

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    pub base: String,
    credentials: Option<(String, String)>,
}

pub async fn start(cfg: SimConfig) -> (Cluster, Client) {
    let cluster = Cluster::start(cfg).await.expect("cluster starts");
    let client = Client::for_node(&cluster, 0);
    (cluster, client)
}

impl Client {
    pub fn for_node(cluster: &Cluster, node: usize) -> Self {
        Self::with_timeout(cluster, node, Duration::from_secs(30))
    }

    pub fn with_timeout(cluster: &Cluster, node: usize, timeout: Duration) -> Self {
        let mut builder = reqwest::Client::builder().timeout(timeout);
        if let Some(pem) = cluster.cert_pem() {
            let cert = reqwest::Certificate::from_pem(pem.as_bytes()).expect("PEM parses");
            builder = builder.add_root_certificate(cert);
        }
        Client {
            http: builder.build().expect("client builds"),
            base: cluster.base_urls()[node].clone(),
            credentials: Some(("admin".into(), "admin".into())),
        }
    }

    /// A client for a URL that has no cluster behind it (any more).
    pub fn with_timeout_for(base: &str, timeout: Duration) -> Self {
        Client {
            http: reqwest::Client::builder()
                .timeout(timeout)
                .build()
                .expect("client builds"),
            base: base.to_owned(),
            credentials: Some(("admin".into(), "admin".into())),
        }
    }

    pub fn with_credentials(&self, credentials: Option<(&str, &str)>) -> Self {
        Client {
            credentials: credentials.map(|(u, p)| (u.to_owned(), p.to_owned())),
            ..self.clone()
        }
    }

    pub async fn try_send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&str>,
    ) -> reqwest::Result<Reply> {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some((user, password)) = &self.credentials {
            request = request.basic_auth(user, Some(password));
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body.to_owned());
        }
        let response = request.send().await?;
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let status = response.status().as_u16();
        let location = header("location");
        let www_authenticate = header("www-authenticate");
        let body = response.text().await?;
        Ok(Reply {
            status,
            location,
            www_authenticate,
            body,
        })
    }

    pub async fn send(&self, method: reqwest::Method, path: &str, body: Option<&str>) -> Reply {
        self.try_send(method.clone(), path, body)
            .await
            .unwrap_or_else(|err| panic!("{method} {path}: {err}"))
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: &str) -> Reply {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: &str) -> Reply {
        self.send(reqwest::Method::PUT, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.send(reqwest::Method::DELETE, path, None).await
    }

    /// POSTs and returns the new object's id from `Location`, checking the real server's
    /// answer: 200, empty body, `Location: /api/v1/<collection>/<lower-case uuid>`.
    pub async fn create(&self, path: &str, body: &str, location_prefix: &str) -> String {
        let reply = self.post(path, body).await;
        assert_eq!(reply.status, 200, "POST {path}: {}", reply.body);
        assert_eq!(reply.body, "", "POST answers an empty body");
        let location = reply.location.expect("POST answers a Location");
        let id = location
            .strip_prefix(location_prefix)
            .unwrap_or_else(|| panic!("{location} starts with {location_prefix}"))
            .to_owned();
        let parsed = uuid::Uuid::parse_str(&id).expect("the id is a UUID");
        assert_eq!(parsed.to_string(), id, "the id is a lower-case UUID");
        id
    }
}

/// The XML is well-formed (quick-xml reads it to the end, end names checked).
pub fn well_formed(xml: &str) -> bool {
    let mut reader = quick_xml::Reader::from_str(xml);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => return true,
            Ok(_) => {}
            Err(_) => return false,
        }
    }
}

/// The `id` attributes of every `<tag id="...">` in document order.
pub fn ids(xml: &str, tag: &str) -> Vec<String> {
    let marker = format!("<{tag} id=\"");
    xml.match_indices(&marker)
        .filter_map(|(at, _)| {
            let rest = &xml[at + marker.len()..];
            rest.find('"').map(|end| rest[..end].to_owned())
        })
        .collect()
}

/// The texts of every `<tag>...</tag>` in document order.
pub fn texts(xml: &str, tag: &str) -> Vec<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    xml.match_indices(&open)
        .filter_map(|(at, _)| {
            let rest = &xml[at + open.len()..];
            rest.find(&close).map(|end| rest[..end].to_owned())
        })
        .collect()
}

pub fn total(xml: &str) -> usize {
    let start = xml.find("total=\"").expect("a total attribute") + "total=\"".len();
    let end = start + xml[start..].find('"').expect("closing quote");
    xml[start..end].parse().expect("a number")
}

/// Polls a bulk sync until it leaves pending/running (bounded: at most 500 polls).
pub async fn wait_for_sync(client: &Client, sync: &str) -> String {
    for _ in 0..500 {
        let reply = client
            .get(&format!("/api/v1/coSpaceBulkSyncs/{sync}"))
            .await;
        assert_eq!(reply.status, 200);
        let status = texts(&reply.body, "status").remove(0);
        if status != "pending" && status != "running" {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("bulk sync {sync} never finished");
}

/// Creates a call profile, a call leg profile and the placeholders `TMS_Scheduled_Meeting_<n>`
/// for `first..=last` as TMS does, and returns the placeholder ids by index.
pub async fn placeholders(client: &Client, first: u32, last: u32) -> Vec<String> {
    let call_profile = client
        .create(
            "/api/v1/callProfiles",
            "participantLimit=1000&messageBoardEnabled=false",
            "/api/v1/callProfiles/",
        )
        .await;
    let leg_profile = client
        .create(
            "/api/v1/callLegProfiles",
            "defaultLayout=telepresence&changeLayoutAllowed=true",
            "/api/v1/callLegProfiles/",
        )
        .await;
    let set = client
        .create(
            "/api/v1/cospaceBulkParameterSets",
            &format!(
                "startIndex={first}&endIndex={last}&coSpaceUriMapping=$index$&coSpaceNameMapping=TMS_Scheduled_Meeting_$index$&coSpaceCallIdMapping=$index$&callProfile={call_profile}&callLegProfile={leg_profile}&nonMemberAccess=false"
            ),
            "/api/v1/cospaceBulkParameterSets/",
        )
        .await;
    let sync = client
        .create(
            "/api/v1/cospaceBulkSyncs",
            &format!("cospaceBulkParameterSet={set}"),
            "/api/v1/cospaceBulkSyncs/",
        )
        .await;
    assert_eq!(wait_for_sync(client, &sync).await, "complete");
    let listed = client
        .get("/api/v1/coSpaces?filter=TMS_Scheduled_Meeting_")
        .await;
    let ids = ids(&listed.body, "coSpace");
    assert_eq!(ids.len() as u32, last - first + 1, "{}", listed.body);
    ids
}
