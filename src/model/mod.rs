//! Plain domain types. Nothing here does IO.

mod api_call;
mod app_error;
mod delivery;
mod error_group;
mod member_id;
mod portal;
mod review;
mod safe_text;
mod secret;
mod task;
mod ticket;
mod work;

pub use api_call::{ApiCall, NewApiCall};
pub use app_error::NewAppError;
pub use delivery::MessageDelivery;
pub use error_group::{ErrorGroup, ErrorSource, GroupBy, SPARK_HOURS, WindowErrors};
pub use member_id::{InvalidMemberId, MemberId};
pub use portal::{AppStatus, Portal, RefreshBlock};
pub use review::{NewReview, ReplyStatus, ReviewDetail, ReviewRow};
pub use safe_text::{BLOCK_LIMIT, Mode as SanitizeMode, SafeText, ellipsize, for_output, sanitize};
pub use secret::{Secret, mask_url, scrub};
pub use task::{AuditEntry, TaskAttempt, TaskDetail};
pub use ticket::{NewTicket, TICKET_CHANNELS, TICKET_PRIORITIES, TICKET_STATUSES, Ticket, TicketMessage};
pub use work::{ReviewBrief, TaskBrief, TicketBrief};
