/* Copyright 2026 fieldservice_jobs authors
 * License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl). */
import {registry} from "@web/core/registry";

// Opens a job (the test passes its form URL), starts it, completes it, checks the stage each time.
registry.category("web_tour.tours").add("fieldservice_jobs_start_complete", {
    steps: () => [
        {
            content: "The job opens in the New stage",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains('New')",
        },
        {
            content: "Start the job",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_start']",
            run: "click",
        },
        {
            content: "The job is In Progress",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains('In Progress')",
        },
        {
            content: "Complete the job",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_complete']",
            run: "click",
        },
        {
            content: "The job is Completed",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains('Completed')",
        },
    ],
});
