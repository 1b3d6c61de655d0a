//! The same KPI SQL on an [Apache DataFusion Ballista](https://datafusion.apache.org/ballista/)
//! cluster (feature `distributed`).
//!
//! A Ballista session is an ordinary [`SessionContext`] whose query planner ships every plan to
//! the cluster's scheduler, so [`crate::KpiSuite::run`] and [`crate::run_sql`] work on it
//! unchanged. Two things differ from a local run, and this module handles both:
//! - the executors read `sales` themselves, so it must be files they can reach (canonical
//!   Parquet or CSV: [`register_sales_files`]), not batches in the client's memory;
//! - the suite's stage tables become views (a plan, sent along with each query) instead of
//!   tables materialised in the client's memory ([`is_distributed`]).
//!
//! With feature `standalone`, [`LocalCluster`] starts a scheduler and executors in this process
//! on loopback: what the tests and `retail cluster` use.

use ballista::prelude::SessionContextExt;
use ballista_core::config::BallistaConfig;
use datafusion::prelude::SessionContext;

use crate::MetricsError;
pub use crate::files::{SalesFileFormat, register_sales_files};

/// Connects to the Ballista scheduler at `url` (`df://HOST:PORT`; the port defaults to 50050).
/// Nothing is sent until the first query, so an unreachable scheduler shows up there.
pub async fn connect(url: &str) -> Result<SessionContext, MetricsError> {
    check_url(url)?;
    SessionContext::remote(url)
        .await
        .map_err(|e| MetricsError::Cluster {
            url: url.to_string(),
            message: e.to_string(),
        })
}

fn check_url(url: &str) -> Result<(), MetricsError> {
    let rest = url
        .strip_prefix("df://")
        .ok_or_else(|| MetricsError::InvalidParameter {
            parameter: "cluster",
            message: format!("'{url}' is not a Ballista scheduler URL (df://HOST:PORT)"),
        })?;
    let host = rest.split([':', '/']).next().unwrap_or_default();
    if host.is_empty() {
        return Err(MetricsError::InvalidParameter {
            parameter: "cluster",
            message: format!("'{url}' names no host (df://HOST:PORT)"),
        });
    }
    Ok(())
}

/// True when `ctx` runs its queries on a Ballista cluster.
pub fn is_distributed(ctx: &SessionContext) -> bool {
    ctx.state()
        .config()
        .options()
        .extensions
        .get::<BallistaConfig>()
        .is_some()
}

/// A Ballista scheduler and executors running in this process on loopback (feature
/// `standalone`): a real cluster (gRPC between scheduler and executors, shuffles through Arrow
/// Flight) without starting anything else. It runs on the tokio runtime that started it, until
/// that runtime ends. Give that runtime's workers deep stacks (32 MiB; tokio's default 2 MiB
/// overflows in debug builds, where decoding a KPI plan recurses deeply).
#[cfg(feature = "standalone")]
#[derive(Debug, Clone)]
pub struct LocalCluster {
    url: String,
    executors: usize,
    task_slots: usize,
}

#[cfg(feature = "standalone")]
impl LocalCluster {
    /// Starts a scheduler on a free loopback port and `executors` executors with `task_slots`
    /// concurrent tasks each.
    pub async fn start(executors: usize, task_slots: usize) -> Result<LocalCluster, MetricsError> {
        use ballista_core::serde::BallistaCodec;
        use ballista_core::serde::protobuf::scheduler_grpc_client::SchedulerGrpcClient;

        for (parameter, value) in [("executors", executors), ("task_slots", task_slots)] {
            if !(1..=256).contains(&value) {
                return Err(MetricsError::InvalidParameter {
                    parameter,
                    message: format!("{value}; must be 1 to 256"),
                });
            }
        }
        let failed = |message: String| MetricsError::Cluster {
            url: "df://localhost".to_string(),
            message,
        };
        let address = ballista_scheduler::standalone::new_standalone_scheduler()
            .await
            .map_err(|e| failed(format!("the scheduler did not start: {e}")))?;
        let grpc = format!("http://localhost:{}", address.port());
        let mut attempts = 0;
        let scheduler = loop {
            match SchedulerGrpcClient::connect(grpc.clone()).await {
                Ok(client) => break client,
                Err(e) if attempts >= 100 => {
                    return Err(failed(format!(
                        "the scheduler at {grpc} did not answer: {e}"
                    )));
                }
                Err(_) => {
                    attempts += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            }
        };
        for _ in 0..executors {
            ballista_executor::new_standalone_executor(
                scheduler.clone(),
                task_slots,
                BallistaCodec::default(),
            )
            .await
            .map_err(|e| failed(format!("an executor did not start: {e}")))?;
        }
        Ok(LocalCluster {
            url: format!("df://localhost:{}", address.port()),
            executors,
            task_slots,
        })
    }

    /// The scheduler's URL for [`connect`] and `retail kpis --cluster`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Number of executors.
    pub fn executors(&self) -> usize {
        self.executors
    }

    /// Concurrent tasks per executor.
    pub fn task_slots(&self) -> usize {
        self.task_slots
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheduler_urls_are_checked() {
        assert!(check_url("df://localhost:50050").is_ok());
        assert!(check_url("df://10.0.0.7").is_ok());
        for bad in [
            "localhost:50050",
            "http://localhost:50050",
            "df://",
            "df://:50050",
        ] {
            let err = check_url(bad).unwrap_err().to_string();
            assert!(err.starts_with("invalid cluster:"), "{bad}: {err}");
        }
    }

    #[test]
    fn a_local_session_is_not_distributed() {
        assert!(!is_distributed(&SessionContext::new()));
    }
}
