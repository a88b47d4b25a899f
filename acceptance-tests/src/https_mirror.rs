//! A provider network mirror on loopback: a directory served over HTTPS with a
//! certificate from a throwaway CA, which a test hands to terraform through
//! `SSL_CERT_FILE` (Go reads the trusted roots from there). Terraform accepts a network
//! mirror only over HTTPS, so this is the smallest real one.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::TcpListener;

/// A running mirror; stops when dropped.
pub struct HttpsMirror {
    url: String,
    ca_file: PathBuf,
    requests: Arc<Mutex<Vec<String>>>,
    // Dropping the runtime stops the accept loop and every connection.
    _runtime: tokio::runtime::Runtime,
}

impl HttpsMirror {
    /// Serves the files under `root` at `https://127.0.0.1:<port>/`, writing the CA's
    /// certificate (PEM) into `ca_dir`.
    pub fn serve(root: &Path, ca_dir: &Path) -> Self {
        let (ca_pem, chain, key) = certificates();
        let ca_file = ca_dir.join("mirror-ca.pem");
        std::fs::write(&ca_file, ca_pem).expect("the CA certificate is written");
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("a server certificate rustls accepts");
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));

        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime for the mirror");
        let listener = runtime
            .block_on(TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))))
            .expect("a loopback port");
        let port = listener.local_addr().expect("its address").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let root = Arc::new(root.to_owned());
        let log = Arc::clone(&requests);
        runtime.spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (acceptor, root, log) = (acceptor.clone(), Arc::clone(&root), Arc::clone(&log));
                tokio::spawn(async move {
                    // A client that gives up during the handshake is none of our business.
                    let Ok(stream) = acceptor.accept(stream).await else {
                        return;
                    };
                    let service = service_fn(move |request| {
                        let answer = answer(&root, &log, &request);
                        async move { Ok::<_, Infallible>(answer) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self {
            url: format!("https://127.0.0.1:{port}/"),
            ca_file,
            requests,
            _runtime: runtime,
        }
    }

    /// The mirror's base URL, ending in `/` as `network_mirror` wants it.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The CA certificate file for `SSL_CERT_FILE`.
    pub fn ca_file(&self) -> &Path {
        &self.ca_file
    }

    /// The paths requested so far, in order.
    pub fn requests(&self) -> Vec<String> {
        self.requests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

/// The file under `root` that `request` names, or 404; paths that climb out of `root`
/// are refused.
fn answer(
    root: &Path,
    log: &Mutex<Vec<String>>,
    request: &Request<hyper::body::Incoming>,
) -> Response<Full<Bytes>> {
    let path = request.uri().path().to_owned();
    log.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(path.clone());
    let relative = Path::new(path.trim_start_matches('/'));
    let inside = relative
        .components()
        .all(|c| matches!(c, Component::Normal(_)));
    let body = inside
        .then(|| std::fs::read(root.join(relative)).ok())
        .flatten();
    // Terraform checks the media type of a mirror's JSON answers.
    let content_type = match relative.extension().and_then(|e| e.to_str()) {
        Some("json") => "application/json",
        Some("zip") => "application/zip",
        _ => "application/octet-stream",
    };
    let builder = Response::builder().header(hyper::header::CONTENT_TYPE, content_type);
    let response = match body {
        Some(body) => builder.body(Full::new(Bytes::from(body))),
        None => builder
            .status(StatusCode::NOT_FOUND)
            .body(Full::new(Bytes::new())),
    };
    response.expect("a response of a static status and header")
}

/// A throwaway CA (PEM) and a certificate for `127.0.0.1` it signed, with its key.
fn certificates() -> (String, Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
    let ca_key = rcgen::KeyPair::generate().expect("a CA key");
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "ipsec acceptance-test mirror CA");
    ca_params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca_params.self_signed(&ca_key).expect("the CA certificate");
    let issuer = rcgen::Issuer::from_params(&ca_params, &ca_key);

    let key = rcgen::KeyPair::generate().expect("a server key");
    let mut params =
        rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()]).expect("server params");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "127.0.0.1");
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let cert = params
        .signed_by(&key, &issuer)
        .expect("the server certificate");
    (
        ca_cert.pem(),
        vec![cert.der().clone()],
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    )
}
