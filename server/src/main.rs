use anyhow::Context as _;
use bridgekeeper::cli::{Cli, Command, UserCommand};
use bridgekeeper::{demo, open_store, start_with};
use clap::Parser;
use domain::login_throttle::LoginThrottle;
use domain::password::PasswordPolicy;
use domain::users::UserService;
use std::io::{BufRead, IsTerminal};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_sessions=warn".into()),
        )
        .init();
    match Cli::parse().command {
        Command::Serve(args) => serve(args).await,
        Command::User(UserCommand::Add {
            username,
            role,
            min_password_length,
            database,
        }) => {
            let password = read_password()?;
            let store = open_store(&database.database_url).await?;
            let users = UserService::new(
                store.store(),
                PasswordPolicy {
                    min_length: usize::from(min_password_length),
                },
                LoginThrottle::default(),
            );
            users
                .create(&username, &role, password)
                .await
                .map_err(|e| anyhow::anyhow!("cannot add user: {e}"))?;
            println!("User `{}` added as {role}.", username.trim().to_lowercase());
            Ok(())
        }
    }
}

async fn serve(args: bridgekeeper::cli::ServeArgs) -> anyhow::Result<()> {
    let mut config = args.config()?;
    let store = open_store(&config.database_url).await?;
    let demo = if args.demo {
        let users = demo::ensure_demo_users(&store).await?;
        let (cluster, cms) = demo::start_cms(&args.demo_cms_ports).await?;
        config.demo_cms = Some(cms.clone());
        Some((users, cluster, cms))
    } else {
        None
    };
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("listening on {}", config.listen))?;
    let running = start_with(config.clone(), args.background(), store, listener).await?;
    tracing::info!(addr = %running.addr, database = %config.database_url, "Bridgekeeper listening");
    if let Some((users, _, cms)) = &demo {
        println!("{}", demo::banner(&running.addr.to_string(), users, cms));
    }
    shutdown_signal().await;
    tracing::info!("shutting down");
    running.stop().await?;
    if let Some((_, cluster, _)) = demo {
        cluster.shutdown().await;
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}

/// The new user's password: prompted for twice on a terminal, else the first line of stdin.
fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let second = rpassword::prompt_password("Repeat password: ")?;
        anyhow::ensure!(first == second, "the passwords do not match");
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }
}
