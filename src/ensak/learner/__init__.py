"""What a learner's kernel imports: the widgets learners touch, their answers file and the checks the
autograder's test cells call. Nothing here reaches the gradebook, sync or the nbgrader adapters.

Each widget saves its answer in the task's answers file as it is given."""

from ensak.learner.access import AccessCheck
from ensak.learner.base import REGISTRY, AnswerWidget
from ensak.learner.checklist import Checklist
from ensak.learner.decision import Choice, DecisionGuide, Outcome, Step
from ensak.learner.dialogue import CommentSimulator, PostChecker
from ensak.learner.evidence import Evidence
from ensak.learner.licences import LicenceChooser
from ensak.learner.monitoring import MonitoringPlanner
from ensak.learner.planner_course import CoursePlanner
from ensak.learner.podcast import EpisodePlanner
from ensak.learner.privacy import AudienceSimulator
from ensak.learner.quiz import Option, Quiz
from ensak.learner.rota import BlogRotaPlanner
from ensak.learner.search import SearchQueryBuilder
from ensak.learner.selfassessment import SCALE, SelfAssessment
from ensak.learner.sharing import BlogComment, SharingChoice
from ensak.learner.strategy import ChannelStrategyPlanner
from ensak.learner.text import TextAnswer
from ensak.learner.wikipedia import ReferenceBuilder
from ensak.learner.writing import MarkdownPractice, WebTextChecker

__all__ = ["REGISTRY", "AccessCheck", "AnswerWidget", "Checklist", "Evidence", "Option", "Quiz", "SCALE", "SelfAssessment", "TextAnswer",
           "MarkdownPractice", "WebTextChecker", "BlogRotaPlanner", "Choice", "DecisionGuide", "Outcome", "Step",
           "LicenceChooser", "EpisodePlanner", "MonitoringPlanner", "ChannelStrategyPlanner", "AudienceSimulator",
           "SearchQueryBuilder", "ReferenceBuilder", "PostChecker", "CommentSimulator", "CoursePlanner",
           "SharingChoice", "BlogComment"]
