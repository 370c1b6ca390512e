// `sqlx::migrate!` embeds the migrations when `domain` compiles: a new or changed migration file
// must rebuild it (cargo does not watch that folder on its own).
fn main() {
    println!("cargo:rerun-if-changed=../migrations/sqlite");
}
