//! A value that loads in the background, as every tab holds its rows.

/// Something that loads in the background.
#[derive(Clone, Debug, Default)]
pub enum Loadable<T> {
    /// Not asked for yet.
    #[default]
    Idle,
    /// Asked for; no answer yet.
    Loading,
    /// Here it is.
    Ready(T),
    /// It failed; the message says why.
    Failed(String),
}

impl<T> Loadable<T> {
    /// The contents, once they are here.
    pub fn ready(&self) -> Option<&T> {
        match self {
            Loadable::Ready(v) => Some(v),
            _ => None,
        }
    }
}
