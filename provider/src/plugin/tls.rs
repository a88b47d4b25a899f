//! go-plugin AutoMTLS, strictly: the server accepts exactly the client certificate that
//! Terraform handed over in `PLUGIN_CLIENT_CERT`, and nothing else.
//!
//! - Terraform generates a one-time, self-signed ECDSA P-521 certificate with the CA flag
//!   set. webpki refuses such a certificate as an end entity, so the verifier below
//!   compares DER bytes instead of building a chain, then checks the handshake signature
//!   with aws-lc-rs (ring cannot verify P-521).
//! - The server answers with its own fresh self-signed certificate for `localhost`;
//!   Terraform trusts exactly that one (it arrives in the handshake line).
//! - tonic's own TLS settings cannot take a custom verifier, so TLS is done here with
//!   tokio-rustls and the finished streams are handed to tonic as an incoming stream.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use super::connection::Conn;
use base64::Engine as _;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{aws_lc_rs, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, ServerConfig};
use rustls::{Error as TlsError, SignatureScheme};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::mpsc;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;

use super::ServeError;

/// The name Terraform verifies the server certificate against (go-plugin sets
/// `ServerName: "localhost"`).
const SERVER_NAME: &str = "localhost";
/// A client that connects but does not finish the TLS handshake is dropped after this.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Accepted connections waiting for tonic; Terraform opens one.
const PENDING_CONNECTIONS: usize = 16;

/// The server's one-time certificate and key.
pub(crate) struct ServerIdentity {
    cert: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
}

impl ServerIdentity {
    /// Generates a fresh ECDSA P-256 key and a self-signed certificate with CN and DNS
    /// SAN `localhost`, usable for server authentication.
    pub(crate) fn generate() -> Result<Self, ServeError> {
        let key_pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        let mut params = rcgen::CertificateParams::new(vec![SERVER_NAME.to_owned()])?;
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, SERVER_NAME);
        params.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        // No CA flag: Go accepts a pinned leaf without it, and rustls clients (our tests)
        // reject a CA certificate used as an end entity.
        let cert = params.self_signed(&key_pair)?;
        Ok(Self {
            cert: cert.der().clone(),
            key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key_pair.serialize_der())),
        })
    }

    /// The certificate as the handshake line's sixth field: DER in standard base64
    /// without padding.
    pub(crate) fn handshake_field(&self) -> String {
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(self.cert.as_ref())
    }
}

/// Reads the first certificate of a PEM document (the value of `PLUGIN_CLIENT_CERT`).
pub(crate) fn parse_client_cert(pem: &str) -> Result<CertificateDer<'static>, ServeError> {
    CertificateDer::from_pem_slice(pem.as_bytes())
        .map_err(|e| ServeError::InvalidClientCertificate(e.to_string()))
}

/// The rustls server configuration: our identity, exactly one accepted client
/// certificate, ALPN `h2` (grpc-go refuses a TLS server that does not negotiate it).
pub(crate) fn server_config(
    identity: ServerIdentity,
    client_cert: CertificateDer<'static>,
) -> Result<Arc<ServerConfig>, ServeError> {
    let provider = Arc::new(aws_lc_rs::default_provider());
    let verifier = ExactClientCert {
        expected: client_cert,
        provider: Arc::clone(&provider),
    };
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_single_cert(vec![identity.cert], identity.key)?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(Arc::new(config))
}

/// Accepts unix connections and performs TLS handshakes concurrently, yielding only
/// finished TLS streams. Failed handshakes (wrong or missing client certificate) are
/// logged and dropped; they never reach tonic. Stops accepting when `stop` fires.
pub(crate) fn tls_incoming(
    listener: UnixListener,
    config: Arc<ServerConfig>,
    stop: CancellationToken,
) -> ReceiverStream<Result<TlsConn, io::Error>> {
    let (tx, rx) = mpsc::channel(PENDING_CONNECTIONS);
    let acceptor = TlsAcceptor::from(config);
    tokio::spawn(async move {
        loop {
            let stream = tokio::select! {
                () = stop.cancelled() => break,
                // tonic gave up on the stream: nobody wants more connections.
                () = tx.closed() => break,
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        tracing::warn!(error = %e, "accepting a plugin connection failed");
                        continue;
                    }
                },
            };
            let acceptor = acceptor.clone();
            let tx = tx.clone();
            tokio::spawn(async move {
                match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                    Ok(Ok(tls)) => {
                        // The receiver is gone only when the server is stopping.
                        let _ = tx.send(Ok(Conn::new(tls))).await;
                    }
                    Ok(Err(e)) => {
                        tracing::warn!(error = %e, "refused a plugin connection: TLS handshake failed");
                    }
                    Err(_) => {
                        tracing::warn!("refused a plugin connection: TLS handshake timed out");
                    }
                }
            });
        }
    });
    ReceiverStream::new(rx)
}

/// A server-side TLS stream over the plugin's unix socket, in the shape tonic accepts
/// (tonic implements `Connected` for TLS streams only with its own TLS feature).
pub(crate) type TlsConn = Conn<TlsStream<UnixStream>>;

/// Client authentication that accepts one certificate, byte for byte.
#[derive(Debug)]
struct ExactClientCert {
    expected: CertificateDer<'static>,
    provider: Arc<CryptoProvider>,
}

impl ClientCertVerifier for ExactClientCert {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        // No hints: Go's client sends its only certificate regardless.
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, TlsError> {
        // The certificate is public (it came through the environment), so a plain
        // comparison leaks nothing worth a constant-time one. Possession of its key is
        // proven by the handshake signature checked below.
        if end_entity.as_ref() == self.expected.as_ref() {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(TlsError::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p521_cert() -> rcgen::CertifiedKey<rcgen::KeyPair> {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let cert = params.self_signed(&key).unwrap();
        rcgen::CertifiedKey {
            cert,
            signing_key: key,
        }
    }

    #[test]
    fn server_identity_field_is_unpadded_base64_of_a_localhost_cert() {
        let identity = ServerIdentity::generate().unwrap();
        let field = identity.handshake_field();
        assert!(!field.contains('='));
        let der = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(&field)
            .unwrap();
        assert_eq!(der, identity.cert.as_ref());
    }

    #[test]
    fn client_cert_pem_parses_and_garbage_is_an_error() {
        let client = p521_cert();
        let der = parse_client_cert(&client.cert.pem()).unwrap();
        assert_eq!(der.as_ref(), client.cert.der().as_ref());
        assert!(parse_client_cert("not a certificate").is_err());
        assert!(parse_client_cert("").is_err());
    }

    #[test]
    fn verifier_accepts_only_the_exact_certificate() {
        let expected = p521_cert();
        let other = p521_cert();
        let verifier = ExactClientCert {
            expected: expected.cert.der().clone(),
            provider: Arc::new(aws_lc_rs::default_provider()),
        };
        let now = UnixTime::now();
        assert!(verifier
            .verify_client_cert(expected.cert.der(), &[], now)
            .is_ok());
        assert!(verifier
            .verify_client_cert(other.cert.der(), &[], now)
            .is_err());
        assert!(verifier.client_auth_mandatory());
        assert!(verifier
            .supported_verify_schemes()
            .contains(&SignatureScheme::ECDSA_NISTP521_SHA512));
    }
}
