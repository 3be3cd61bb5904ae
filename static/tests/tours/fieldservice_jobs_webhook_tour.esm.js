/* Copyright 2026 fieldservice_jobs authors
 * License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl). */
import {registry} from "@web/core/registry";

// A manager subscribes a receiver from the Webhooks menu: the secret is shown before saving (only
// then), the subscription is saved, a test event is queued and shows in its deliveries.
registry.category("web_tour.tours").add("fieldservice_jobs_webhook", {
    steps: () => [
        {
            content: "Create a subscription",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            content: "Name it",
            trigger: ".o_field_widget[name='name'] input",
            run: "edit Tour receiver",
        },
        {
            content: "Give the receiver's URL",
            trigger: ".o_field_widget[name='url'] input",
            run: "edit http://127.0.0.1:9/tour-hook",
        },
        {
            content: "A secret is proposed before saving",
            trigger: ".o_field_widget[name='new_secret'] input",
            run() {
                if (!this.anchor.value.startsWith("whsec_")) {
                    throw new Error(`no secret proposed: ${this.anchor.value}`);
                }
            },
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Once saved, the secret is not shown again",
            trigger: ".o_form_view:has(.o_form_saved):not(:has(.o_field_widget[name='new_secret']))",
        },
        {
            content: "Send a test event",
            trigger: "button[name='action_send_test']",
            run: "click",
        },
        {
            content: "It shows in the deliveries",
            trigger: "button[name='action_view_deliveries'] .o_stat_value:contains('1')",
        },
    ],
});
