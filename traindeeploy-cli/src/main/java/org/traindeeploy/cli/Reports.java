package org.traindeeploy.cli;

import org.traindeeploy.report.ReportJson;
import org.traindeeploy.report.StepReport;

/** JSON of step reports (report.json of compile). */
final class Reports {
    private Reports() {}

    static String json(StepReport r) { return ReportJson.of(r); }
}
