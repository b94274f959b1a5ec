"""Practice: a simulated customer for agents to rehearse de-escalation with, judged by the
same engine that coaches them live (scenario.py: the scenario format; criteria.py: what a
reply is judged on; roleplay.py: the role-play; scorecard.py: the score at the end)."""
