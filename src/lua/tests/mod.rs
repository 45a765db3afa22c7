//! Tests of the reader and writer together.

mod examples;
mod proptests;
mod prosody;
mod strategies;
