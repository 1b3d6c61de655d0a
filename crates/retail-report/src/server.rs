//! The dashboard as a local web app: the data is loaded once, every request slices it by the
//! filters of its URL and renders the panels again. Three pages: the KPI overview (fast: it
//! is recomputed for every request), the forecasts and the bundles (slow: cached per slice).
//!
//! Every parameter is checked ([`DashboardFilters::from_query`]): an unknown or malformed one
//! is answered with 400 and a message. Filter values reach DataFusion as literals, no URL
//! names a file, the URL's length and the work running at once are bounded, and
//! [`DashboardServer::serve`] stops cleanly when its shutdown future completes.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use arrow::record_batch::RecordBatch;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use retail_ingest::IngestReport;
use tokio::sync::Semaphore;

use crate::filters::{DashboardFilters, FilterChoices};
use crate::page::{PageLinks, View, render_page};
use crate::{BundlesPanel, Dashboard, DashboardParams, ForecastPanel, ReportError};

/// The longest URL (path and query) the server reads, in bytes.
pub const MAX_URI_BYTES: usize = 4096;
/// The most requests waiting for a permit to compute; past it the server answers 503.
pub const MAX_WAITING: usize = 64;

const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// One data set the server shows: its lines (every line; requests slice them), the ingest
/// reports of its files, and the dashboard's parameters.
#[derive(Debug, Clone)]
pub struct DataSet {
    /// Canonical sales batches.
    pub batches: Vec<RecordBatch>,
    /// The reports of the files read.
    pub reports: Vec<IngestReport>,
    /// Name, currency, horizon, support and product classes.
    pub params: DashboardParams,
}

/// How the server runs.
#[derive(Debug, Clone)]
pub struct ServerParams {
    title: String,
    max_concurrent: usize,
    cached_slices: usize,
}

impl ServerParams {
    /// Defaults: one computation at a time per core, 64 slices of forecasts and bundles kept.
    pub fn new(title: impl Into<String>) -> Self {
        ServerParams {
            title: title.into(),
            max_concurrent: std::thread::available_parallelism().map_or(2, |n| n.get()),
            cached_slices: 64,
        }
    }

    /// The most requests computing at once (others wait, up to [`MAX_WAITING`]).
    pub fn with_max_concurrent(mut self, requests: usize) -> Self {
        self.max_concurrent = requests;
        self
    }

    /// How many rendered forecast and bundle pages are kept (the oldest go first).
    pub fn with_cached_slices(mut self, pages: usize) -> Self {
        self.cached_slices = pages;
        self
    }

    /// Checks every parameter.
    ///
    /// # Errors
    /// [`ReportError::InvalidParameter`] naming `max_concurrent` (0).
    pub fn check(&self) -> Result<(), ReportError> {
        if self.max_concurrent == 0 {
            return Err(ReportError::InvalidParameter {
                parameter: "max_concurrent",
                message: "must be at least 1".into(),
            });
        }
        Ok(())
    }
}

/// The dashboard server over data loaded once.
#[derive(Debug, Clone)]
pub struct DashboardServer {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    params: ServerParams,
    datasets: Vec<DataSet>,
    choices: FilterChoices,
    permits: Semaphore,
    waiting: AtomicUsize,
    cache: Mutex<PageCache>,
}

/// Rendered slow pages by (view, query), the oldest evicted first.
#[derive(Debug, Default)]
struct PageCache {
    pages: HashMap<(View, String), Arc<String>>,
    order: VecDeque<(View, String)>,
}

impl DashboardServer {
    /// Computes the unfiltered KPIs of every data set once (for the filter bar's choices).
    ///
    /// # Errors
    /// [`ReportError::InvalidParameter`] for bad parameters, and the errors of
    /// [`Dashboard::build_kpis`].
    pub async fn new(
        datasets: Vec<DataSet>,
        params: ServerParams,
    ) -> Result<DashboardServer, ReportError> {
        params.check()?;
        let mut whole = Vec::new();
        for set in &datasets {
            whole.push(
                Dashboard::build_kpis(set.batches.clone(), set.reports.clone(), &set.params)
                    .await?,
            );
        }
        Ok(DashboardServer {
            inner: Arc::new(Inner {
                choices: FilterChoices::of(&whole),
                permits: Semaphore::new(params.max_concurrent),
                waiting: AtomicUsize::new(0),
                cache: Mutex::new(PageCache::default()),
                params,
                datasets,
            }),
        })
    }

    /// The routes: `/` (overview), `/forecasts`, `/bundles`; anything else is 404.
    pub fn router(&self) -> Router {
        Router::new()
            .route(View::Overview.path(), get(page_of(View::Overview)))
            .route(View::Forecasts.path(), get(page_of(View::Forecasts)))
            .route(View::Bundles.path(), get(page_of(View::Bundles)))
            .fallback(not_found)
            .with_state(self.clone())
    }

    /// Serves on `listener` until `shutdown` completes, then finishes the requests in flight.
    ///
    /// # Errors
    /// [`ReportError::Serve`] when the listener fails.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ReportError> {
        let addr = listener
            .local_addr()
            .map_or_else(|_| "?".to_string(), |a| a.to_string());
        axum::serve(listener, self.router())
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(|source| ReportError::Serve { addr, source })
    }

    /// The page `view` of the slice `filters`: rendered, or from the cache for the slow views.
    async fn page(&self, view: View, filters: DashboardFilters) -> Result<Arc<String>, Failure> {
        let key = (view, filters.to_query());
        if view != View::Overview
            && let Some(page) = self.cached(&key)
        {
            return Ok(page);
        }
        let inner = &self.inner;
        if inner.waiting.fetch_add(1, Ordering::SeqCst) >= MAX_WAITING {
            inner.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(Failure::Busy);
        }
        let permit = inner.permits.acquire().await;
        inner.waiting.fetch_sub(1, Ordering::SeqCst);
        let _permit = permit.map_err(|_| Failure::Busy)?;
        // The KPI futures are not `Send` (DataFusion's), so the page is computed on a blocking
        // thread that drives them with the runtime's handle.
        let server = self.clone();
        let handle = tokio::runtime::Handle::current();
        let computed = tokio::task::spawn_blocking(move || {
            server
                .compute(&handle, view, &filters)
                .map(|page| (page, filters))
        })
        .await
        .map_err(|e| {
            Failure::Internal(ReportError::InvalidParameter {
                parameter: "view",
                message: format!("the computation stopped: {e}"),
            })
        })?;
        let (page, _) = computed?;
        let page = Arc::new(page);
        if view != View::Overview {
            self.remember(key, page.clone());
        }
        Ok(page)
    }

    /// Slices every data set, computes the view's panels and renders the page.
    fn compute(
        &self,
        handle: &tokio::runtime::Handle,
        view: View,
        filters: &DashboardFilters,
    ) -> Result<String, Failure> {
        let inner = &self.inner;
        let mut dashboards = Vec::new();
        let mut left_out = Vec::new();
        for set in &inner.datasets {
            let name = set.params.name().to_string();
            let slice = filters.slice(set.params.product_classes());
            let batches = slice
                .compile()
                .and_then(|f| f.apply_all(set.batches.clone()))
                .map_err(|e| Failure::Internal(e.into()))?;
            if batches.iter().all(|b| b.num_rows() == 0) {
                left_out.push(format!("{name}: no line in this slice."));
                continue;
            }
            let built = handle.block_on(Dashboard::build_kpis(
                batches.clone(),
                set.reports.clone(),
                &set.params,
            ));
            let dashboard = match built {
                Ok(d) => d.with_slice_description(filters.describe()),
                Err(ReportError::NoSales { .. }) => {
                    left_out.push(format!("{name}: no completed sale in this slice."));
                    continue;
                }
                Err(err) => return Err(Failure::Internal(err)),
            };
            let dashboard = match view {
                View::Overview => dashboard,
                View::Forecasts | View::Bundles => {
                    slow_panel(view, dashboard, &batches, &set.params).map_err(Failure::Internal)?
                }
            };
            dashboards.push(dashboard);
        }
        let links = PageLinks {
            view,
            filters,
            choices: &inner.choices,
            left_out: &left_out,
        };
        Ok(render_page(&inner.params.title, &dashboards, &links))
    }

    fn cached(&self, key: &(View, String)) -> Option<Arc<String>> {
        let cache = self
            .inner
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        cache.pages.get(key).cloned()
    }

    fn remember(&self, key: (View, String), page: Arc<String>) {
        let limit = self.inner.params.cached_slices;
        if limit == 0 {
            return;
        }
        let mut cache = self
            .inner
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if cache.pages.insert(key.clone(), page).is_none() {
            cache.order.push_back(key);
        }
        while cache.order.len() > limit {
            if let Some(old) = cache.order.pop_front() {
                cache.pages.remove(&old);
            }
        }
    }
}

/// The forecasts or the bundles of one data set's slice.
fn slow_panel(
    view: View,
    mut dashboard: Dashboard,
    batches: &[RecordBatch],
    params: &DashboardParams,
) -> Result<Dashboard, ReportError> {
    match view {
        View::Forecasts => {
            dashboard.forecasts = Some(ForecastPanel::build(batches, params.horizon())?);
        }
        _ => {
            dashboard.bundles = Some(BundlesPanel::build(
                batches,
                params.product_classes(),
                params.min_support(),
            )?);
        }
    }
    Ok(dashboard)
}

/// Why a request has no page.
#[derive(Debug)]
enum Failure {
    BadRequest(String),
    TooLong,
    Busy,
    Internal(ReportError),
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            Failure::BadRequest(message) => (StatusCode::BAD_REQUEST, message),
            Failure::TooLong => (
                StatusCode::URI_TOO_LONG,
                format!("the address is longer than {MAX_URI_BYTES} bytes"),
            ),
            Failure::Busy => (
                StatusCode::SERVICE_UNAVAILABLE,
                "the server is busy: try again in a moment".to_string(),
            ),
            Failure::Internal(err) => (StatusCode::INTERNAL_SERVER_ERROR, err.to_string()),
        };
        html_response(status, message_page(status, &message))
    }
}

fn message_page(status: StatusCode, message: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\" />\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\
         <title>{status}</title></head><body><h1>{status}</h1><p>{}</p>\
         <p><a href=\"/\">Back to the dashboard</a></p></body></html>\n",
        crate::chart::escape(message)
    )
}

fn html_response(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

async fn respond(server: DashboardServer, view: View, uri: Uri, query: Option<String>) -> Response {
    if uri.to_string().len() > MAX_URI_BYTES {
        return Failure::TooLong.into_response();
    }
    let filters = match DashboardFilters::from_query(query.as_deref().unwrap_or("")) {
        Ok(filters) => filters,
        Err(err) => return Failure::BadRequest(err.to_string()).into_response(),
    };
    // A form sends every field, most of them empty: answer with the short address of the same
    // slice, the one to bookmark and share.
    let canonical = filters.to_query();
    if let Some(query) = query.as_deref()
        && query != canonical
    {
        let location = if canonical.is_empty() {
            view.path().to_string()
        } else {
            format!("{}?{canonical}", view.path())
        };
        let mut response = StatusCode::SEE_OTHER.into_response();
        if let Ok(value) = HeaderValue::from_str(&location) {
            response.headers_mut().insert(header::LOCATION, value);
        }
        return response;
    }
    match server.page(view, filters).await {
        Ok(page) => html_response(StatusCode::OK, page.as_str().to_owned()),
        Err(failure) => failure.into_response(),
    }
}

/// The handler of the page `view`.
fn page_of(
    view: View,
) -> impl Fn(
    State<DashboardServer>,
    Uri,
    RawQuery,
) -> std::pin::Pin<Box<dyn Future<Output = Response> + Send>>
+ Clone
+ Send
+ Sync
+ 'static {
    move |State(server), uri, RawQuery(query)| Box::pin(respond(server, view, uri, query))
}

async fn not_found(uri: Uri) -> Response {
    let path: String = uri.path().chars().take(100).collect();
    html_response(
        StatusCode::NOT_FOUND,
        message_page(
            StatusCode::NOT_FOUND,
            &format!("no page {path}: the pages are /, /forecasts and /bundles"),
        ),
    )
}
