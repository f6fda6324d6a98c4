{{/* Names are cut at 63 characters: the DNS label limit Kubernetes applies to names and label values. */}}
{{- define "gpu-scheduler.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "gpu-scheduler.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* A name derived from the full name with a suffix, within 63 characters or the limit given third.
     Call with (list $ "suffix") or (list $ "suffix" 52). */}}
{{- define "gpu-scheduler.suffixed" -}}
{{- $root := index . 0 }}
{{- $suffix := index . 1 }}
{{- $limit := 63 }}
{{- if gt (len .) 2 }}{{ $limit = index . 2 }}{{ end }}
{{- printf "%s-%s" (include "gpu-scheduler.fullname" $root | trunc (int (sub (sub $limit 1) (len $suffix))) | trimSuffix "-") $suffix }}
{{- end }}

{{- define "gpu-scheduler.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels for every object. */}}
{{- define "gpu-scheduler.labels" -}}
helm.sh/chart: {{ include "gpu-scheduler.chart" . }}
{{ include "gpu-scheduler.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: gpu-scheduler
{{- end }}

{{- define "gpu-scheduler.selectorLabels" -}}
app.kubernetes.io/name: {{ include "gpu-scheduler.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Selector of the control-plane pods (API + operator). */}}
{{- define "gpu-scheduler.controlPlaneSelectorLabels" -}}
{{ include "gpu-scheduler.selectorLabels" . }}
app.kubernetes.io/component: control-plane
{{- end }}

{{/* Selector of the bundled PostgreSQL pod. */}}
{{- define "gpu-scheduler.postgresqlSelectorLabels" -}}
{{ include "gpu-scheduler.selectorLabels" . }}
app.kubernetes.io/component: postgresql
{{- end }}

{{- define "gpu-scheduler.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "gpu-scheduler.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The control-plane image: repository@digest when a digest is given, else repository:tag (appVersion by default). */}}
{{- define "gpu-scheduler.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{- define "gpu-scheduler.trainerImage" -}}
{{- printf "%s:%s" .Values.trainerImage.repository (default .Chart.AppVersion .Values.trainerImage.tag) }}
{{- end }}

{{- define "gpu-scheduler.configMapName" -}}
{{- include "gpu-scheduler.suffixed" (list . "config") }}
{{- end }}

{{- define "gpu-scheduler.leaseName" -}}
{{- include "gpu-scheduler.suffixed" (list . "leader") }}
{{- end }}

{{/* At most 52 characters: the StatefulSet's pod (name-0) is a host name, and its controller-revision-hash label
     (name-<10 characters>) a label value, both limited to 63. */}}
{{- define "gpu-scheduler.postgresqlName" -}}
{{- include "gpu-scheduler.suffixed" (list . "postgresql" 52) }}
{{- end }}

{{- define "gpu-scheduler.postgresqlHeadlessName" -}}
{{- include "gpu-scheduler.suffixed" (list . "postgresql-hl") }}
{{- end }}

{{/* The Secret and key holding the Npgsql connection string, whichever database path is chosen. */}}
{{- define "gpu-scheduler.databaseSecretName" -}}
{{- if .Values.postgresql.enabled }}
{{- include "gpu-scheduler.postgresqlName" . }}
{{- else if .Values.database.existingSecret }}
{{- .Values.database.existingSecret }}
{{- else }}
{{- include "gpu-scheduler.suffixed" (list . "database") }}
{{- end }}
{{- end }}

{{- define "gpu-scheduler.databaseSecretKey" -}}
{{- if or .Values.postgresql.enabled (not .Values.database.existingSecret) }}connectionString{{ else }}{{ .Values.database.existingSecretKey }}{{ end }}
{{- end }}

{{/* With a Secret the user manages, fail the install early when a reachable cluster lacks it, instead of leaving the
     migration Job waiting on a missing Secret. Offline renders (helm template, lint) cannot look and skip the check. */}}
{{- define "gpu-scheduler.validateDatabase" -}}
{{- if and (not .Values.postgresql.enabled) (not .Values.database.connectionString) }}
{{- $secret := include "gpu-scheduler.databaseSecretName" . }}
{{- if and (lookup "v1" "Namespace" "" .Release.Namespace) (not (lookup "v1" "Secret" .Release.Namespace $secret)) }}
{{- fail (printf "gpu-scheduler: Secret %s/%s with key %s (an Npgsql connection string) is missing: create it, or set database.connectionString, or postgresql.enabled=true for a trial" .Release.Namespace $secret (include "gpu-scheduler.databaseSecretKey" .)) }}
{{- end }}
{{- end }}
{{- end }}

{{/* Environment shared by the control plane and the migration Job. */}}
{{- define "gpu-scheduler.databaseEnv" -}}
- name: ConnectionStrings__Scheduler
  valueFrom:
    secretKeyRef:
      name: {{ include "gpu-scheduler.databaseSecretName" . }}
      key: {{ include "gpu-scheduler.databaseSecretKey" . }}
- name: ASPNETCORE_ENVIRONMENT
  value: Production
{{- end }}

{{/* /tmp as an emptyDir: the root filesystem is read-only and .NET writes its diagnostics socket and temp files here. */}}
{{- define "gpu-scheduler.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: 256Mi
{{- end }}

{{- define "gpu-scheduler.tmpVolumeMount" -}}
- name: tmp
  mountPath: /tmp
{{- end }}

{{/*
Namespace of REST-submitted jobs' pods: scheduler.jobNamespace, else <release namespace>-jobs. Never the release
namespace, where the bundled database and the scheduler's Secret live (docs/security.md).
*/}}
{{- define "gpu-scheduler.jobNamespace" -}}
{{- $namespace := default (printf "%s-jobs" (.Release.Namespace | trunc 58 | trimSuffix "-")) .Values.scheduler.jobNamespace -}}
{{- if eq $namespace .Release.Namespace -}}
{{- fail "scheduler.jobNamespace must not be the release namespace: job pods run code their submitters chose, beside the database and the scheduler's Secret" -}}
{{- end -}}
{{- $namespace -}}
{{- end }}

{{/* The Secret and key holding the job-token HMAC key: the user's (auth.jobTokenSecret.existingSecret) or the chart's. */}}
{{- define "gpu-scheduler.jobTokenSecretName" -}}
{{- default (include "gpu-scheduler.suffixed" (list . "job-token")) .Values.auth.jobTokenSecret.existingSecret }}
{{- end }}

{{- define "gpu-scheduler.jobTokenSecretKey" -}}
{{- if .Values.auth.jobTokenSecret.existingSecret }}{{ .Values.auth.jobTokenSecret.existingSecretKey }}{{ else }}jobTokenSecret{{ end }}
{{- end }}
