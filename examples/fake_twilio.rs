//! The stateful Twilio fake as a standalone process, for `scripts/bench.sh`: the server under
//! test sends its texts here, so the worker runs as in production without reaching Twilio.
//!
//! Usage: fake_twilio <port> <account sid> <auth token>

use callbackcloser::server::simulators::twilio::FakeTwilio;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, port, account_sid, auth_token] = args.as_slice() else {
        eprintln!("usage: fake_twilio <port> <account sid> <auth token>");
        std::process::exit(2);
    };
    let fake = FakeTwilio::new(account_sid, auth_token);
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}"))
        .await
        .expect("port");
    axum::serve(listener, fake.router()).await.expect("serve");
}
