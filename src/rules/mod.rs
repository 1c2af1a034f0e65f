//! Pure rules: no IO, no screens. Everything here is unit- and property-tested.

pub mod alerts;
pub mod calendar;
pub mod call_filter;
pub mod day_partitions;
pub mod deadline;
pub mod deprecations;
pub mod diagnosis;
pub mod forwarded;
pub mod hour_split;
pub mod intake_values;
pub mod leaky_bucket;
pub mod maintenance;
pub mod queue_payload;
pub mod read_only;
pub mod remedies;
pub mod review_filter;
pub mod reviews;
pub mod sla;
pub mod task_filter;
pub mod templates;
pub mod thread_sender;
pub mod timefmt;
pub mod tokens;
