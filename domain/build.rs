// `sqlx::migrate!` embeds the migrations when `domain` compiles: a new or changed migration file
// must rebuild it (cargo does not watch those folders on its own).
fn main() {
    println!("cargo:rerun-if-changed=../migrations/sqlite");
    println!("cargo:rerun-if-changed=../migrations/postgres");
}
