//! A task of the console, `serve` or `watch` that runs beside it (the reply deliverer, the
//! Telegram poller) and stops when its handle is dropped.

/// The handle of a background task: dropping it stops the task.
#[derive(Debug)]
pub struct Background(Option<tokio::task::JoinHandle<()>>);

impl Background {
    /// Runs `task` on the runtime until this is dropped.
    pub fn spawn(task: impl std::future::Future<Output = ()> + Send + 'static) -> Self {
        Background(Some(tokio::spawn(task)))
    }

    /// A handle with nothing running (the feature is off).
    pub fn idle() -> Self {
        Background(None)
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(h) = self.0.take() {
            h.abort();
        }
    }
}
