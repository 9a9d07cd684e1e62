// Every error the API can answer, in plain German with what to do next. Keyed by the
// problem type (urn:aktenwerk:problem:<type>), falling back to the HTTP status.

const kByType = {
  'network': ['Der Server ist nicht erreichbar.',
    'Prüfen Sie die Netzwerkverbindung und versuchen Sie es in einem Moment noch einmal. Ihre Eingaben bleiben erhalten.'],
  'unauthenticated': ['Benutzername oder Passwort stimmen nicht.',
    'Prüfen Sie die Eingabe (Groß- und Kleinschreibung) und melden Sie sich erneut an.'],
  'too-many-attempts': ['Zu viele fehlgeschlagene Anmeldungen.',
    'Warten Sie einige Minuten, bevor Sie es erneut versuchen, oder wenden Sie sich an die Administration.'],
  'rate-limited': ['Zu viele Anfragen in kurzer Zeit.',
    'Warten Sie einen Moment und versuchen Sie es dann erneut.'],
  'permission-denied': ['Dafür fehlt Ihnen die Berechtigung.',
    'Wenden Sie sich an die Registratur oder die Administration, wenn Sie diese Aufgabe erledigen müssen.'],
  'not-found': ['Das Gesuchte gibt es nicht (mehr), oder Sie dürfen es nicht sehen.',
    'Prüfen Sie das Aktenzeichen oder gehen Sie zurück zum Aktenplan.'],
  'closed': ['Das Schriftgut ist zu den Akten verfügt (zdA) und kann nicht geändert werden.',
    'Lassen Sie es von der Registratur wiedereröffnen, wenn Sie etwas ergänzen müssen.'],
  'held': ['Für dieses Schriftgut gilt eine Sperre (z. B. wegen eines Verfahrens).',
    'Es darf nicht gelöscht oder ausgesondert werden, solange die Sperre besteht. Fragen Sie die Registratur.'],
  'in-aussonderung': ['Das Schriftgut ist gerade in einer Aussonderung.',
    'Warten Sie, bis die Aussonderung abgeschlossen oder abgebrochen ist.'],
  'ausgesondert': ['Dieses Schriftgut wurde ausgesondert (ans Archiv abgegeben oder vernichtet).',
    'Ein Nachweis bleibt erhalten. Fragen Sie beim Archiv nach, wenn Sie den Inhalt brauchen.'],
  'duplicate-kennzeichen': ['Dieses Kennzeichen ist schon vergeben.',
    'Wählen Sie ein anderes Kennzeichen.'],
  'already-exists': ['Das gibt es schon.',
    'Wählen Sie einen anderen Namen oder öffnen Sie den vorhandenen Eintrag.'],
  'revision-mismatch': ['Jemand anderes hat den Eintrag inzwischen geändert.',
    'Laden Sie die Seite neu, prüfen Sie die Änderungen und versuchen Sie es dann erneut.'],
  'not-empty': ['Der Eintrag ist nicht leer.',
    'Entfernen oder verschieben Sie zuerst seinen Inhalt.'],
  'already-done': ['Diese Wiedervorlage ist schon erledigt.',
    'Laden Sie die Seite neu, um den aktuellen Stand zu sehen.'],
  'not-closed': ['Der Eintrag ist noch nicht zdA verfügt.',
    'Verfügen Sie ihn zuerst zu den Akten.'],
  'body-too-large': ['Die Datei oder Eingabe ist zu groß.',
    'Teilen Sie die Datei auf oder fragen Sie die Administration nach der erlaubten Größe.'],
  'too-large': ['Die Datei ist zu groß.',
    'Teilen Sie die Datei auf oder fragen Sie die Administration nach der erlaubten Größe.'],
  'disk-full': ['Der Speicher des Servers ist voll; es wurde nichts gespeichert.',
    'Melden Sie das der Administration und versuchen Sie es später erneut.'],
  'read-only': ['Der Server nimmt gerade keine Änderungen an.',
    'Versuchen Sie es später erneut oder fragen Sie die Administration.'],
  'invalid-query': ['Die Suchanfrage ist nicht verständlich.',
    'Prüfen Sie Anführungszeichen und Klammern oder suchen Sie nach einzelnen Wörtern.'],
  'query-too-expensive': ['Die Suchanfrage ist zu allgemein.',
    'Verwenden Sie längere Wortanfänge vor dem * oder weitere Suchwörter.'],
  'wrong-kind': ['Das geht an dieser Stelle nicht.',
    'Prüfen Sie, ob Sie den richtigen Eintrag ausgewählt haben.'],
  'wrong-parent': ['Das kann hier nicht abgelegt werden.',
    'Wählen Sie eine passende Akte oder einen passenden Vorgang.'],
  'unsupported-type': ['Dieser Dateityp wird nicht angenommen.',
    'Speichern Sie die Datei als PDF oder in einem anderen üblichen Format.'],
  'plan-too-large': ['Der Aktenplan ist zu groß, um ihn auf einmal anzuzeigen.',
    'Wenden Sie sich an die Administration.'],
  'invalid-argument': ['Eine Eingabe ist nicht gültig.',
    'Prüfen Sie die markierten Felder und die technische Angabe unten und versuchen Sie es erneut.'],
  'failed-precondition': ['Das ist im jetzigen Zustand nicht möglich.',
    'Prüfen Sie den Zustand des Eintrags (z. B. zdA oder gesperrt).'],
  'unavailable': ['Der Dienst ist gerade nicht verfügbar.',
    'Versuchen Sie es in einigen Minuten erneut.'],
  'internal': ['Auf dem Server ist ein Fehler aufgetreten.',
    'Versuchen Sie es erneut. Bleibt der Fehler, nennen Sie der Administration die Vorgangsnummer.'],
};

const kByStatus = {
  400: 'invalid-argument', 401: 'unauthenticated', 403: 'permission-denied', 404: 'not-found',
  409: 'failed-precondition', 410: 'ausgesondert', 412: 'revision-mismatch', 413: 'body-too-large',
  415: 'unsupported-type', 422: 'invalid-argument', 423: 'held', 429: 'rate-limited',
  503: 'unavailable', 507: 'disk-full',
};

// {message, hint} for an HTTP status and its problem body.
export function explain(status, problem) {
  const type = String((problem && problem.type) || '').replace('urn:aktenwerk:problem:', '');
  const entry = kByType[type] || kByType[kByStatus[status]] ||
      (status >= 500 ? kByType.internal : kByType['invalid-argument']);
  return {message: entry[0], hint: entry[1]};
}
