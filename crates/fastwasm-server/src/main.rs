//! `fastwasm-server [--host H] [--port P]`: the fastwasm HTTP API on axum.
//! Every other setting comes from the `FASTWASM_*` variables, as for
//! `fastwasm serve`.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Parser;
use fastwasm_server::{AppState, Settings, app};

#[derive(Parser)]
#[command(name = "fastwasm-server", version, about)]
struct Args {
    /// Address to bind; default: `FASTWASM_HOST` or 127.0.0.1.
    #[arg(long)]
    host: Option<String>,
    /// Port to bind; default: `FASTWASM_PORT` or 8000.
    #[arg(long)]
    port: Option<u16>,
    /// Reload the kernels folder whenever a file in it changes
    /// (development); default: `FASTWASM_RELOAD_KERNELS`. SIGHUP reloads it
    /// in any case.
    #[arg(long, alias = "reload-modules")]
    reload_kernels: bool,
    /// Print the effective settings as JSON and exit.
    #[arg(long)]
    print_settings: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("FASTWASM_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .init();
    let mut settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(error) => {
            tracing::error!("{error}");
            return ExitCode::from(2);
        }
    };
    if let Some(host) = args.host {
        settings.host = host;
    }
    if let Some(port) = args.port {
        settings.port = port;
    }
    settings.reload_kernels |= args.reload_kernels;
    if args.print_settings {
        #[allow(clippy::print_stdout)]
        {
            println!("{}", settings.to_json());
        }
        return ExitCode::SUCCESS;
    }
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    runtime
        .enable_all()
        .max_blocking_threads(settings.threadpool_size);
    if let Some(workers) = settings.workers {
        runtime.worker_threads(workers);
    }
    let runtime = match runtime.build() {
        Ok(runtime) => runtime,
        Err(error) => {
            tracing::error!("cannot start tokio: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(settings: Settings) -> Result<(), Box<dyn std::error::Error>> {
    let address = format!("{}:{}", settings.host, settings.port);
    let state = AppState::new(settings)?;
    let listener = tokio::net::TcpListener::bind(&address)
        .await
        .map_err(|e| format!("cannot bind {address}: {e}"))?;
    state.set_local_addr(listener.local_addr()?);
    tokio::spawn(fastwasm_server::reload::on_hangup(std::sync::Arc::clone(
        &state,
    )));
    if state.settings.reload_kernels {
        tokio::spawn(fastwasm_server::reload::on_change(std::sync::Arc::clone(
            &state,
        )));
    }
    tracing::info!(address = %listener.local_addr()?, "fastwasm-server listening");
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    tracing::info!("fastwasm-server stopped");
    Ok(())
}

/// SIGINT or SIGTERM: stop accepting, finish the requests in flight, exit.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    let mut terminate =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    tokio::select! {
        _ = interrupt => {},
        () = async {
            match terminate.as_mut() {
                Some(signal) => { signal.recv().await; }
                None => std::future::pending::<()>().await,
            }
        } => {},
    }
    tracing::info!("shutting down: finishing the requests in flight");
}
