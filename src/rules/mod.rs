//! Pure rules: no IO, no screens. Everything here is unit- and property-tested.

pub mod call_filter;
pub mod deprecations;
pub mod task_filter;
pub mod timefmt;
pub mod tokens;
