//! Each tab's own messages and effects, beside its update code (`tui::update::<tab>`): the
//! global [`crate::tui::msg::Msg`] and [`crate::tui::effect::Effect`] hold one variant per tab.
//! The runner may import these; it never imports `update`.

pub mod alerts;
pub mod audit;
pub mod calls;
pub mod errors;
pub mod incident;
pub mod maintenance;
pub mod portal;
pub mod reviews;
pub mod tasks;
pub mod tickets;
pub mod tokens;

pub use alerts::{AlertsEffect, AlertsMsg};
pub use audit::{AuditEffect, AuditMsg};
pub use calls::{CallsEffect, CallsMsg};
pub use errors::{ErrorsEffect, ErrorsMsg};
pub use incident::{IncidentEffect, IncidentMsg};
pub use maintenance::{MaintenanceEffect, MaintenanceMsg};
pub use portal::{PortalEffect, PortalMsg};
pub use reviews::{ReviewsEffect, ReviewsMsg};
pub use tasks::{TasksEffect, TasksMsg};
pub use tickets::{TicketsEffect, TicketsMsg};
pub use tokens::{TokensEffect, TokensMsg};
