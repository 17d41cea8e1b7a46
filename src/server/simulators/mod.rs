//! Stateful stand-ins for the outside services, served over loopback HTTP so the real clients
//! talk to them exactly as they talk to the real thing. The tests use them as the network edge;
//! demo mode uses them in place of Twilio and Stripe.

pub mod airtable;
pub mod alert_sink;
pub mod stripe;
pub mod twilio;
pub mod twilio_calls;
pub mod twilio_delivery;
pub mod twilio_media;
pub mod webhook_poster;

/// Serves `router` on a free loopback port; returns `http://127.0.0.1:<port>`.
pub async fn serve_on_loopback(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("loopback port");
    let addr = listener.local_addr().expect("bound address");
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}")
}
