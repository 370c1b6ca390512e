//! Booking: the conference calendar lands here with the booking capability.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn BookingPage() -> impl IntoView {
    view! {
        <Title text="Booking" />
        <h1>"Booking"</h1>
        <p class="empty">"No conferences are booked."</p>
    }
}
