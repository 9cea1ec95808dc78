"""Cohort rules shared by every area: required modules, completion, pace, certificate eligibility.

No views here. The learner's dashboard, the organiser's dashboard and exports, and the certificate
pages all ask these functions, so each rule is written once; templates receive the answers.
"""
