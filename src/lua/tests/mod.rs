//! Tests of the reader and writer together.

mod examples;
mod prosody;
mod proptests;
mod strategies;
