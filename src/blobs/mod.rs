pub mod thumbs;
