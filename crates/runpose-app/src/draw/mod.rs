//! Drawing in one place: the overlay of a frame (`overlay::Scene`: skeleton, support point, fall line, alignment
//! marks) and the coach's marks (`markup`), each made once as shapes that the window paints with egui and the
//! exports rasterise.

pub mod markup;
pub mod overlay;
