//! How requests to one registry are authorised: nothing, basic auth, or a bearer token from
//! the token server the registry's challenge names.
//!
//! The token flow (docker's "token authentication specification"): `GET realm?service=…&
//! scope=repository:NAME:pull[,push]`, with basic auth when credentials are known (anonymous
//! otherwise), answers `{"token": "…"}` (or `access_token`). Tokens expire, so a 401 on a
//! later request triggers one refresh.

use super::challenge::Challenge;
use super::credentials::Credentials;
use super::error::{root_cause, RegistryError};
use reqwest::{StatusCode, Url};
use tokio::sync::Mutex;

/// The authorisation scheme a registry asked for, and what tug holds for it.
#[derive(Debug)]
pub(crate) enum Auth {
    /// The registry answered `/v2/` without a challenge.
    Anonymous,
    /// `Basic`: the header is sent with every request (`None` when there are no credentials,
    /// so requests go out bare and the 401 is reported).
    Basic(Option<String>),
    /// `Bearer`: a token from the realm.
    Bearer(Box<Bearer>),
}

/// The bearer-token state of a session.
#[derive(Debug)]
pub(crate) struct Bearer {
    pub realm: Url,
    pub service: Option<String>,
    pub scopes: Vec<String>,
    pub creds: Option<Credentials>,
    pub token: Mutex<Option<String>>,
}

impl Auth {
    /// Builds the state from a 401 challenge. Bearer wins over basic when both are offered,
    /// as in docker.
    pub fn from_challenges(
        registry: &str,
        header: &str,
        challenges: &[Challenge],
        creds: Option<Credentials>,
        scopes: Vec<String>,
    ) -> Result<Auth, RegistryError> {
        if let Some(c) = challenges.iter().find(|c| c.scheme == "bearer") {
            let realm = c.param("realm").unwrap_or_default();
            let realm = Url::parse(realm).map_err(|e| RegistryError::UnsupportedAuth {
                registry: registry.to_string(),
                header: format!("{header} (realm is not a URL: {e})"),
            })?;
            return Ok(Auth::Bearer(Box::new(Bearer {
                realm,
                service: c.param("service").map(str::to_string),
                scopes,
                creds,
                token: Mutex::new(None),
            })));
        }
        if challenges.iter().any(|c| c.scheme == "basic") {
            return Ok(Auth::Basic(creds.map(|c| c.basic_header())));
        }
        Err(RegistryError::UnsupportedAuth {
            registry: registry.to_string(),
            header: header.to_string(),
        })
    }

    /// The `Authorization` header for the next request, fetching a token first if needed.
    pub async fn header(
        &self,
        http: &reqwest::Client,
        registry: &str,
    ) -> Result<Option<String>, RegistryError> {
        match self {
            Auth::Anonymous => Ok(None),
            Auth::Basic(h) => Ok(h.clone()),
            Auth::Bearer(b) => {
                let mut guard = b.token.lock().await;
                if guard.is_none() {
                    *guard = Some(b.fetch(http, registry).await?);
                }
                Ok(guard.as_ref().map(|t| format!("Bearer {t}")))
            }
        }
    }

    /// Drops a token the registry refused (expired), so the next [`Auth::header`] fetches a
    /// new one. Returns whether there was a token to refresh.
    pub async fn invalidate(&self) -> bool {
        match self {
            Auth::Bearer(b) => b.token.lock().await.take().is_some(),
            _ => false,
        }
    }

    /// Whether the session carries credentials (for the wording of 401 errors).
    pub fn has_credentials(&self) -> bool {
        match self {
            Auth::Anonymous => false,
            Auth::Basic(h) => h.is_some(),
            Auth::Bearer(b) => b.creds.is_some(),
        }
    }
}

impl Bearer {
    /// Asks the token server for a token covering the session's scopes.
    async fn fetch(&self, http: &reqwest::Client, registry: &str) -> Result<String, RegistryError> {
        let mut url = self.realm.clone();
        {
            let mut q = url.query_pairs_mut();
            if let Some(s) = &self.service {
                q.append_pair("service", s);
            }
            for s in &self.scopes {
                q.append_pair("scope", s);
            }
            if let Some(c) = &self.creds {
                q.append_pair("account", &c.username);
            }
        }
        let mut req = http.get(url.clone());
        if let Some(c) = &self.creds {
            req = req.header(reqwest::header::AUTHORIZATION, c.basic_header());
        }
        let realm = self.realm.to_string();
        let token_err = |detail: String| RegistryError::Token {
            registry: registry.to_string(),
            realm: realm.clone(),
            detail,
        };
        let resp = req
            .send()
            .await
            .map_err(|e| token_err(format!("request failed: {}", root_cause(&e))))?;
        let status = resp.status();
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            return Err(RegistryError::Unauthorized {
                registry: registry.to_string(),
                detail: if self.creds.is_some() {
                    "incorrect username or password".to_string()
                } else {
                    format!("the token server refused anonymous access ({status})")
                },
            });
        }
        if !status.is_success() {
            let body = resp.text().await.unwrap_or_default();
            return Err(token_err(format!("{status}: {}", body.trim())));
        }
        let body = json_body(resp)
            .await
            .map_err(|e| token_err(format!("invalid response: {e}")))?;
        body.get("token")
            .or_else(|| body.get("access_token"))
            .and_then(|t| t.as_str())
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .ok_or_else(|| token_err("the response has no `token` field".to_string()))
    }
}

/// Reads a JSON body; reqwest's own `json()` needs a cargo feature tug does not enable.
pub(crate) async fn json_body(resp: reqwest::Response) -> Result<serde_json::Value, String> {
    let bytes = resp.bytes().await.map_err(|e| root_cause(&e))?;
    serde_json::from_slice(&bytes).map_err(|e| e.to_string())
}

/// The scope string for a repository (`repository:library/nginx:pull,push`).
pub(crate) fn repository_scope(path: &str, push: bool) -> String {
    if push {
        format!("repository:{path}:pull,push")
    } else {
        format!("repository:{path}:pull")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::challenge;

    #[test]
    fn bearer_wins_and_bad_realm_is_named() {
        let h = r#"Basic realm="x", Bearer realm="https://auth.example/token",service="reg""#;
        let a = Auth::from_challenges("reg", h, &challenge::parse(h), None, vec![]).unwrap();
        match a {
            Auth::Bearer(b) => {
                assert_eq!(b.realm.as_str(), "https://auth.example/token");
                assert_eq!(b.service.as_deref(), Some("reg"));
            }
            other => panic!("expected bearer, got {other:?}"),
        }
        let h = r#"Bearer realm="not a url""#;
        let e = Auth::from_challenges("reg", h, &challenge::parse(h), None, vec![])
            .unwrap_err()
            .to_string();
        assert!(e.contains("realm is not a URL"), "{e}");
        let h = r#"Negotiate"#;
        assert!(Auth::from_challenges("reg", h, &challenge::parse(h), None, vec![]).is_err());
        assert_eq!(repository_scope("a/b", true), "repository:a/b:pull,push");
    }
}
