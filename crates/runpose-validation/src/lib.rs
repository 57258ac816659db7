//! runpose's validation study, kept out of the product: the numbers of docs/validation.md and the simulated
//! conditions they are measured under. It drives the product's own analysis (`runpose_app::session::analyze`) and compares it
//! with ground truth from outside the code:
//! - `force_plate`: gait events from Fukuchi 2017's markers against its force plate, at the markers' rate and at
//!   camera rates with the landmark jitter measured on real video (docs/validation.md §Gait events), and `report`,
//!   which writes it all as docs/validation.md;
//! - `video`: the treadmill clip against its frame-by-frame hand annotation (docs/validation.md §Video);
//! - `simulate`: force-plate contacts, event matching, and the degradations (resampling, jitter, dropped frames).
//!
//! `cargo run -p runpose-validation -- --out docs/validation.md` regenerates the report; `cargo test -p
//! runpose-validation` enforces its bands (CI runs it as its own step).

pub mod force_plate;
pub mod report;
pub mod simulate;
pub mod video;
