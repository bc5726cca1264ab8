//! Serving: open the data folder, the store and the secret, listen, and shut down cleanly.

use tokio::net::TcpListener;

use crate::config::{self, Config};
use crate::crypto::ServerSecret;
use crate::store::Store;
use crate::web::{AppState, app};

/// Start-up steps, each failing with a message that says what to fix.
pub async fn run(config: Config) -> anyhow::Result<()> {
    config::ensure_data_dir(&config.data_dir)?;
    let secret = ServerSecret::load_or_create(&config.data_dir)?;
    let store = Store::open(&config.data_dir)?;
    if config.demo {
        warn_demo(&config);
    }
    let listener = TcpListener::bind(config.listen).await.map_err(|e| {
        anyhow::anyhow!(
            "cannot listen on {}: {e}; choose another address with --listen or `listen` in the config",
            config.listen
        )
    })?;
    let addr = listener.local_addr()?;
    let schools: Vec<&str> = config.schools.iter().map(|s| s.slug.as_str()).collect();
    tracing::info!(schools = ?schools, "listening on http://{addr}");
    let state = AppState::new(config, secret, store.clone());
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    // Every request has finished; commit anything still queued before exiting.
    store.close();
    tracing::info!("stopped");
    Ok(())
}

fn warn_demo(config: &Config) {
    let key = config.data_dir.join(config::DEMO_KEY_FILE);
    tracing::warn!(
        "DEMO INSTALL: the adviser key {} is stored UNENCRYPTED next to the reports. \
         Fine for trying Fluister; never for real pupils. A real install uses a config file, \
         and each adviser makes their own key on their own computer with `fluister adviser init`.",
        key.display()
    );
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
